"""Request hooks: the database session, the logged-in moderator, security headers."""

from __future__ import annotations

from flask import Flask, Response, g, session

from moderation.db import utcnow
from moderation.kinds import SessionEnd
from moderation.logins import sessions
from moderation.logins.sessions import SessionRules
from web.runtime import close_db, db, runtime

# The key of the browser's session that holds the server-side session's token.
SESSION_TOKEN = "sid"


def register(app: Flask) -> None:
    """Install the request hooks."""
    app.before_request(load_moderator)
    app.after_request(security_headers)
    app.teardown_appcontext(close_db)


def security_headers(response: Response) -> Response:
    """No inline scripts, no framing, no MIME sniffing: defence in depth behind escaping."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def load_moderator() -> None:
    """Put the logged-in moderator (or None) in `g.moderator`, their server-side session in
    `g.login_session`, and why a session just ended (if it did) in `g.session_end`."""
    g.moderator = g.login_session = g.session_end = None
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
