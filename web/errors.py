"""Errors as JSON for the API (and for any client that asks for JSON); never a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from moderation.comments.validation import ValidationError

log = logging.getLogger(__name__)
# What a client should wait before trying again when the database does not answer.
RETRY_AFTER_SECONDS = 5


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
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa_exc.DBAPIError, _database_error)
    app.register_error_handler(sa_exc.TimeoutError, _database_error)  # no free connection
    app.register_error_handler(Exception, _unexpected_error)


def database_unavailable(exc: Exception) -> bool:
    """Is this the database being away (down, restarting, unreachable), not a bug?"""
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return isinstance(exc, sa_exc.TimeoutError)


def _validation_error(exc: ValidationError) -> tuple[Response, int]:
    return json_error(422, "invalid_request", "Some fields are not valid.", fields=exc.fields)


def _http_error(exc: HTTPException) -> object:
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
        page = render_template("error.html", error=ServiceUnavailable(message))
        response, status = Response(page, mimetype="text/html"), 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def _unexpected_error(exc: Exception) -> object:
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, "internal_error", "Something went wrong on our side; it was logged.")
    return render_template("error.html", error=InternalServerError()), 500
