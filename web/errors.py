"""Errors as JSON for the API (and for any client that asks for JSON); never a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from moderation.comments.validation import ValidationError
from moderation.errors import Conflict, DomainError, Invalid, NotFound
from moderation.ratelimit import RateLimited
from moderation.readers.tokens import NotThisReader, ReaderRefused
from moderation.sites import KeyRefused, WrongSite

log = logging.getLogger(__name__)
# What a client should wait before trying again when the database does not answer.
RETRY_AFTER_SECONDS = 5

# The one place where the domain's errors become HTTP statuses.
STATUS_OF: dict[type[DomainError], int] = {
    Invalid: 422,
    NotFound: 404,
    Conflict: 409,
    ReaderRefused: 401,
    NotThisReader: 403,
}


def wants_json() -> bool:
    """API paths always get JSON; other pages only when the client prefers it."""
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def json_error(status: int, error: str, message: str, **extra: object) -> tuple[Response, int]:
    """A JSON error body: a machine code, a sentence, and any details."""
    return jsonify({"error": error, "message": message, **extra}), status


def register(app: Flask) -> None:
    """Install the handlers."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(KeyRefused, _key_refused)
    app.register_error_handler(WrongSite, _wrong_site)
    app.register_error_handler(RateLimited, _rate_limited)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sa_exc.DBAPIError, _database_error)
    app.register_error_handler(sa_exc.TimeoutError, _database_error)  # no free connection
    app.register_error_handler(Exception, _unexpected_error)


def status_of(exc: DomainError) -> int:
    """The HTTP status for a domain error: that of its nearest mapped ancestor."""
    return next((STATUS_OF[k] for k in type(exc).__mro__ if k in STATUS_OF), 400)


def database_unavailable(exc: Exception) -> bool:
    """Is this the database being away (down, restarting, unreachable), not a bug?"""
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return isinstance(exc, sa_exc.TimeoutError)


def _domain_error(exc: DomainError) -> object:
    status = status_of(exc)
    if isinstance(exc, ValidationError):
        return json_error(status, exc.code, "Some fields are not valid.", fields=exc.fields)
    if wants_json():
        return json_error(status, exc.code, str(exc))
    return error_page(status, str(exc))


def _key_refused(exc: KeyRefused) -> tuple[Response, int]:
    response, status = json_error(401, "unauthorized", str(exc))
    challenge = 'Bearer realm="modq"' + (', error="invalid_token"' if exc.presented else "")
    response.headers["WWW-Authenticate"] = challenge
    return response, status


def _wrong_site(exc: WrongSite) -> tuple[Response, int]:
    return json_error(403, "forbidden", str(exc))


def _rate_limited(exc: RateLimited) -> tuple[Response, int]:
    response, status = json_error(429, "too_many_requests", str(exc), limit=exc.quota.scope)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response, status


def http_error(exc: HTTPException) -> object:
    """JSON for JSON clients; Werkzeug's own page for browsers."""
    code = exc.code or 500
    if not wants_json():
        return exc
    name = (exc.name or "error").lower().replace(" ", "_")
    response, status = json_error(code, name, exc.description or exc.name or "error")
    for header, value in exc.get_headers():
        if header in ("Allow", "Retry-After"):
            response.headers[header] = value
    return response, status


def _database_error(exc: Exception) -> object:
    if not database_unavailable(exc):
        return _unexpected_error(exc)
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        str(exc.__cause__ or exc).splitlines()[0],
    )
    message = "The database is not answering; nothing was changed. Try again shortly."
    if wants_json():
        response, status = json_error(503, "database_unavailable", message)
    else:
        page, status = error_page(503, message)
        response = Response(page, status=status, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def _unexpected_error(exc: Exception) -> object:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, "internal_error", "Something went wrong on our side; it was logged.")
    return error_page(500, InternalServerError.description or "")


def error_page(status: int, message: str) -> tuple[str, int]:
    """The HTML error page, for people."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    return render_template("error.html", status=status, title=title, message=message), status
