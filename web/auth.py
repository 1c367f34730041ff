"""Moderator login, logout and password change."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from moderation import audit
from moderation.accounts import AccountError, authenticate, change_password
from web.hooks import password_fingerprint
from web.runtime import db

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """Send anonymous visitors to the login page, and new accounts to change their password."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.moderator is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if g.moderator.must_change_password:
            return redirect(url_for("auth.password"))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Log in with username and password."""
    if request.method == "GET":
        return render_template("auth/login.html")
    moderator = authenticate(
        db(), request.form.get("username", ""), request.form.get("password", "")
    )
    if moderator is None:
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html"), 401  # type: ignore[return-value]
    session.clear()
    session.update(moderator_id=moderator.id, pw=password_fingerprint(moderator))
    audit.record(
        db(),
        audit.moderator_actor(moderator.username),
        "moderator.login",
        "moderator",
        moderator.id,
    )
    db().commit()
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot bounce people elsewhere."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("review.queue")


@bp.post("/logout")
def logout() -> Response:
    """End the session."""
    session.clear()
    flash("Logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> str | Response:
    """Change one's password (required after logging in with a one-time password)."""
    if g.moderator is None:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/password.html")
    new, again = request.form.get("new_password", ""), request.form.get("again", "")
    current = request.form.get("current_password", "")
    try:
        if (
            not g.moderator.must_change_password
            and authenticate(db(), g.moderator.username, current) is None
        ):
            raise AccountError("the current password is wrong")
        if new != again:
            raise AccountError("the two passwords differ")
        change_password(db(), g.moderator, new)
    except AccountError as exc:
        flash(f"Not changed: {exc}.", "error")
        return render_template("auth/password.html"), 400  # type: ignore[return-value]
    session["pw"] = password_fingerprint(g.moderator)
    flash("Password changed.", "info")
    return redirect(url_for("review.queue"))
