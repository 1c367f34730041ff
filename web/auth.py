"""Moderator login, logout and password change."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized
from werkzeug.wrappers import Response

from moderation.accounts import AccountError, change_password
from moderation.comments.intake import hash_address
from moderation.kinds import Role
from moderation.logins import service
from moderation.logins.history import LastLogin
from moderation.logins.throttle import ThrottleRules
from web.access import login_redirect
from web.errors import wants_json
from web.hooks import SESSION_TOKEN
from web.runtime import db, runtime

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])
Page = str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]


def login_required(view: View) -> View:
    """Send anonymous visitors to the login page (a script asking for JSON gets 401), and new
    accounts to change their password."""
    return _guarded(view, Role.MODERATOR)


def admin_required(view: View) -> View:
    """As login_required, and moderators who are not admins get 403."""
    return _guarded(view, Role.ADMIN)


def _guarded(view: View, role: Role) -> View:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.moderator is None:
            if wants_json():
                raise Unauthorized("log in again: your session has ended")
            return login_redirect()
        if g.moderator.must_change_password:
            return redirect(url_for("auth.password"))
        if role is Role.ADMIN and not g.moderator.is_admin:
            raise Forbidden("only an admin may do this")
        return view(*args, **kwargs)

    wrapped.moderator_page = True  # type: ignore[attr-defined]  # where `next` may lead
    wrapped.required_role = role  # type: ignore[attr-defined]  # what the route-map test reads
    return wrapped  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> Page:
    """Log in with username and password, within the throttle."""
    if request.method == "GET":
        return render_template("auth/login.html")
    outcome = service.log_in(db(), _attempt(request.form.get("username", "")), _throttle())
    if isinstance(outcome, service.Refused):
        return _refused(outcome, "Wrong username or password.", 401)
    session.clear()
    session[SESSION_TOKEN] = outcome.token
    _show_last_login(outcome.previous)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """End the session, on the server too: a copy of the cookie stops working."""
    if g.login_session is not None:
        service.log_out(db(), g.login_session)
    session.clear()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Page:
    """Change one's password (required after logging in with a one-time password)."""
    if g.moderator is None:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/password.html")
    if not g.moderator.must_change_password:
        attempt = _attempt(g.moderator.username, "current_password")
        if refused := service.confirm_password(db(), attempt, _throttle()):
            return _refused(refused, "Not changed: the current password is wrong.", 400)
    new, again = request.form.get("new_password", ""), request.form.get("again", "")
    try:
        if new != again:
            raise AccountError("the two passwords differ")
        change_password(db(), g.moderator, new, keep_session=g.login_session.id)
    except AccountError as exc:
        flash(f"Not changed: {exc}.", "error")
        return render_template("auth/password.html"), 400
    flash("Password changed; your other sessions have ended.", "info")
    return redirect(url_for("review.queue"))


def _attempt(username: str, field: str = "password") -> service.Attempt:
    address = request.remote_addr
    try:
        address_hash = hash_address(address, str(current_app.secret_key or ""))
    except ValueError:  # not an IP address (a Unix socket): no per-address counter
        address_hash = None
    return service.Attempt(username, request.form.get(field, ""), address, address_hash)


def _throttle() -> ThrottleRules:
    return ThrottleRules.from_settings(runtime().settings)


def _refused(refused: service.Refused, wrong: str, status: int) -> Page:
    template = "auth/login.html" if request.endpoint == "auth.login" else "auth/password.html"
    if not refused.retry_after:
        flash(wrong, "error")
        return render_template(template), status
    flash(f"Too many failed logins: try again in {refused.retry_after} s.", "error")
    return render_template(template), 429, {"Retry-After": str(refused.retry_after)}


def _show_last_login(previous: LastLogin) -> None:
    """Tell the moderator when and where they last logged in, and about failures since."""
    if previous.at is None:
        text, since = "Welcome: this is your first login.", "before it"
    else:
        where = previous.address or "an unknown address"
        text, since = f"Last login: {previous.at:%Y-%m-%d %H:%M} UTC from {where}.", "since"
    count = previous.failures_since
    if count:
        plural = "s" if count != 1 else ""
        text += f" {count} failed login attempt{plural} {since}: if not yours, tell an admin."
    flash(text, "error" if count else "info")


def _safe_next(target: str | None) -> str:
    """Only a moderator page of this site that answers GET; anything else goes to the queue."""
    queue = url_for("review.queue")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return queue
    adapter = current_app.create_url_adapter(request)
    try:
        endpoint, _ = adapter.match(urlsplit(target).path, method="GET")  # type: ignore[union-attr]
    except HTTPException:  # unknown path, POST only, or a redirect
        return queue
    view = current_app.view_functions.get(endpoint)
    return target if getattr(view, "moderator_page", False) else queue
