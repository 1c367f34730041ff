"""Request hooks: the database session, the logged-in moderator, security headers."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session

from moderation.db import utcnow
from moderation.kinds import SessionEnd
from moderation.logins import sessions
from moderation.logins.sessions import SessionRules
from web.access import refuse_anonymous
from web.runtime import close_db, db, runtime

# The key of the browser's session that holds the server-side session's token.
SESSION_TOKEN = "sid"


def register(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(load_moderator)
    app.before_request(refuse_anonymous)  # after load_moderator: it reads g.moderator
    app.after_request(security_headers)
    app.after_request(push_webhooks)
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
    if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
        response.headers.setdefault("X-Frame-Options", "DENY")  # for browsers without CSP 2
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if g.get("moderator") is not None and request.endpoint not in ("static", "favicon"):
        response.headers["Cache-Control"] = "no-store"
    return response


def load_moderator() -> None:
    """Put the logged-in moderator (or None) in `g.moderator`, their server-side session in
    `g.login_session`, and why a session just ended (if it did) in `g.session_end`."""
    g.moderator = g.login_session = g.session_end = None
    if current_app.session_interface.get_cookie_name(current_app) not in request.cookies:
        return  # no cookie, no session: API calls skip opening one (3% of an intake call)
    token = session.get(SESSION_TOKEN)
    if token is None:
        return
    rules = SessionRules.from_settings(runtime().settings)
    found = sessions.resume(db(), token, rules, utcnow())
    if isinstance(found, SessionEnd):  # logged out, timed out or ended by a password change
        session.clear()
        g.session_end = found
        return
    g.login_session, g.moderator = found, found.moderator


def push_webhooks(response: Response) -> Response:
    """After a request that recorded webhook events (a moderator's decision, a resend), send
    them: they are committed by now (the outbox is read in a session of its own)."""
    recorded = g.get("db")
    if recorded is not None and recorded.info.pop("webhooks_recorded", False):
        runtime().push_webhooks()
    return response
