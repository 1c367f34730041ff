"""Request hooks: the database session, the logged-in moderator, security headers."""

from __future__ import annotations

from flask import Flask, Response, g, request, session

from moderation.models import Moderator
from web.access import refuse_anonymous
from web.runtime import close_db, db


def register(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(load_moderator)
    app.before_request(refuse_anonymous)  # after load_moderator: it reads g.moderator
    app.after_request(security_headers)
    app.teardown_appcontext(close_db)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # no inline scripts
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",  # an injected <base> cannot re-point relative URLs
        "form-action 'self'",  # an injected form cannot post elsewhere
        "frame-ancestors 'none'",
    ]
)


def security_headers(response: Response) -> Response:
    """No inline scripts, no framing, no MIME sniffing: defence in depth behind escaping; and
    nothing a logged-in moderator saw is kept in a cache."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if g.get("moderator") is not None and request.endpoint not in ("static", "favicon"):
        response.headers["Cache-Control"] = "no-store"
    return response


def load_moderator() -> None:
    """Put the logged-in, still active moderator (or None) in `g.moderator`."""
    g.moderator = None
    moderator_id = session.get("moderator_id")
    if moderator_id is None:
        return
    moderator = db().get(Moderator, moderator_id)
    # A changed password ends other sessions: the session keeps a fragment of the hash.
    if moderator and moderator.active and session.get("pw") == password_fingerprint(moderator):
        g.moderator = moderator
    else:
        session.clear()


def password_fingerprint(moderator: Moderator) -> str:
    """A short, non-secret tag of the current password hash."""
    return moderator.password_hash[-12:]
