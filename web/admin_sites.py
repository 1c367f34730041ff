"""Admin screens for sites: the list, creating one, rotating its API key (the new key shown
once, on the answer page, never in a cookie or a redirect), its browser origins and intake."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Response

from moderation import audit, sites
from moderation.models import Site
from web.auth import admin_required
from web.runtime import db

bp = Blueprint("admin_sites", __name__, url_prefix="/admin/sites")


def actor() -> str:
    """The audit name of the admin acting."""
    return audit.moderator_actor(g.moderator.username)


def _site(name: str) -> Site:
    site = sites.find_site(db(), name)
    if site is None:
        raise NotFound(f"no site named {name!r}")
    return site


@bp.get("/")
@admin_required
def index() -> str:
    """Every site with its origins, intake and keys (their first characters only)."""
    return render_template(
        "admin/sites.html",
        sites=sites.all_sites(db()),
        warning=sites.open_intake_warning,
    )


@bp.post("/new")  # not "/": the answer's "Done" link must leave this URL, not jump in it
@admin_required
def create() -> Response | tuple[str, int] | str:
    """Create a site; its first API key is shown on this answer only."""
    origins = request.form.get("origins", "").split()
    try:
        site, token = sites.create_site(
            db(), request.form.get("name", "").strip(), origins, actor=actor()
        )
    except sites.SiteError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin_sites.index"))
    return _shown_once(site, token, f"Created site {site.name}.")


@bp.post("/<name>/rotate")
@admin_required
def rotate(name: str) -> str:
    """A new API key for the site, shown once; its other keys are revoked now."""
    site = _site(name)
    _, token = sites.rotate_key(db(), site, actor=actor())
    return _shown_once(site, token, f"New API key for {site.name}; its other keys are revoked.")


def _shown_once(site: Site, token: str, message: str) -> str:
    return render_template(
        "admin/secret.html",
        message=message,
        secret=token,
        usage="Send it as: Authorization: Bearer <key>. Only a hash of it is kept.",
        back=url_for("admin_sites.index", _anchor=f"site-{site.name}"),
    )


@bp.post("/<name>/origins")
@admin_required
def origins(name: str) -> Response:
    """Add an origin, or take one off the list."""
    site = _site(name)
    added = request.form.get("add", "").split()
    removed = request.form.getlist("remove")
    try:
        sites.change_origins(db(), site, added, removed, actor=actor())
    except sites.SiteError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{site.name}: {', '.join(site.origins) or 'no origins'}.", "info")
    return redirect(url_for("admin_sites.index", _anchor=f"site-{site.name}"))


@bp.post("/<name>/intake")
@admin_required
def intake(name: str) -> Response:
    """Open intake (comments without a key, from the site's origins) or close it."""
    site = _site(name)
    opened = request.form.get("keyless") == "1"
    sites.update_site(db(), site, open_intake=opened, actor=actor())
    if opened:
        flash(sites.open_intake_warning(site), "error")
    else:
        flash(f"{site.name}: writes need a key again.", "info")
    return redirect(url_for("admin_sites.index", _anchor=f"site-{site.name}"))


@bp.post("/<name>/readers")
@admin_required
def readers(name: str) -> Response:
    """What the site's embed allows and says: anonymous comments, and the reason a reader's
    comment was not published."""
    site = _site(name)
    setting = request.form.get("setting", "")
    on = request.form.get("on") == "1"
    if setting == "anonymous":
        sites.update_site(db(), site, anonymous_comments=on, actor=actor())
    elif setting == "reasons":
        sites.update_site(db(), site, show_reasons=on, actor=actor())
    else:
        raise BadRequest("setting must be anonymous or reasons")
    flash(f"{site.name}: {READER_SETTINGS[setting][on]}.", "info")
    return redirect(url_for("admin_sites.index", _anchor=f"site-{site.name}"))


READER_SETTINGS = {
    "anonymous": {True: "anyone may comment in the embed", False: "verified readers only"},
    "reasons": {
        True: "readers are told why their comment was not published",
        False: "readers are not told why",
    },
}
