"""Who is reading the embed, kept between its pages: a signed cookie (and the same value in
each form, for browsers that keep no cookies in a third-party frame), with the form token
that stands for CSRF protection.

The state names the site, the reader (verified by the site's token, or an anonymous reader's
random id) and a random nonce. A form is accepted only with the HMAC of that nonce, so a page
elsewhere cannot post in a reader's name: it can read neither the cookie nor the form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import asdict, dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from moderation.models import Site
from moderation.readers.tokens import LEEWAY_SECONDS, Reader
from web.runtime import runtime

COOKIE = "modq_reader"
FORM_FIELD = "reader_state"
MAX_AGE_SECONDS = 24 * 3600  # a verified reader's page is signed again by the site long before
CSRF_REFUSED = "The form has expired or did not come from this page: reload it and try again."


@dataclass(frozen=True)
class ReaderState:
    """The embed's reader on one site."""

    site_id: int
    reader_id: str
    name: str
    verified: bool
    nonce: str
    until: int = 0  # a verified reader is one until their token expires (seconds, epoch)

    @property
    def reader(self) -> Reader:
        """The reader this state names."""
        return Reader(self.reader_id, self.name, self.verified)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.secret_key), salt="modq.embed.reader")


def new_state(site: Site, reader: Reader | None) -> ReaderState:
    """A fresh state: the verified reader, or an anonymous one with a random id."""
    if reader is None:
        reader = Reader(f"anonymous-{secrets.token_hex(8)}", "", False)
    nonce, until = secrets.token_hex(16), reader.expires_at or 0
    return ReaderState(site.id, reader.id, reader.name, reader.verified, nonce, until)


def load_state(site: Site) -> ReaderState | None:
    """The state the form (first) or the cookie carries for this site, if any is valid."""
    for raw in (request.form.get(FORM_FIELD), request.cookies.get(COOKIE)):
        if not raw:
            continue
        try:
            data = _serializer().loads(raw, max_age=MAX_AGE_SECONDS)
            state = ReaderState(**data)
        except (BadSignature, TypeError):
            continue
        if state.site_id == site.id and not _lapsed(state):
            return state
    return None


def _lapsed(state: ReaderState) -> bool:
    """A verified reader's token has expired: the site no longer vouches for them (they may
    have logged out); the site's next page gives them a fresh token."""
    return state.verified and time.time() > state.until + LEEWAY_SECONDS


def dump_state(state: ReaderState) -> str:
    """The signed form of a state."""
    return _serializer().dumps(asdict(state))


def keep_state(response: Response, state: ReaderState) -> None:
    """Set the state's cookie. Behind HTTPS it is SameSite=None, so it is sent to the embed's
    frame on the site's pages; otherwise Lax (browsers refuse None without Secure)."""
    secure = runtime().settings.secure_cookies
    response.set_cookie(
        COOKIE,
        dump_state(state),
        max_age=MAX_AGE_SECONDS,
        path="/embed",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
    )


def form_token(state: ReaderState) -> str:
    """The token each of the embed's forms carries."""
    key = str(current_app.secret_key).encode()
    return hmac.new(key, f"embed-form:{state.nonce}".encode(), hashlib.sha256).hexdigest()


def check_form(site: Site) -> ReaderState:
    """The state of a posted form whose token matches it; 400 otherwise."""
    state = load_state(site)
    sent = request.form.get("csrf_token", "")
    if state is None or not hmac.compare_digest(sent, form_token(state)):
        raise BadRequest(CSRF_REFUSED)
    return state
