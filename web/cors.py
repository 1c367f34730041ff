"""Cross-origin calls to the intake API, from the origins sites list and no others.

Browsers may read (GET) and, for a site with open intake, post comments (POST). Keys are for
sites' servers: `Authorization` is not an allowed cross-origin header, so a page cannot
send one from a reader's browser.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from moderation.sites import browser_origins
from web.errors import json_error
from web.runtime import db

log = logging.getLogger(__name__)
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
BROWSER_METHODS = ("GET", "POST")
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": ", ".join(BROWSER_METHODS),
    "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key, Reader-Token",
    "Access-Control-Max-Age": "600",
}
EXPOSED = "Location, Retry-After, Idempotent-Replayed"


def register(bp: Blueprint) -> None:
    """Answer preflights and mark responses for the origins sites list."""
    bp.before_request(preflight)
    bp.after_request(allow_listed_origin)


def preflight() -> Response | tuple[Response, int] | None:
    """Answer a CORS preflight: 204 for a listed origin and a browser method, else 403."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    origin = request.headers.get("Origin", "")
    method = request.headers["Access-Control-Request-Method"].upper()
    if method not in BROWSER_METHODS or not _listed(origin):
        return json_error(
            403,
            "forbidden",
            f"cross-origin {method} from {origin or 'an unnamed origin'} is not allowed; "
            "browsers may call this API only from the origins a site lists",
        )
    response = Response(status=204, headers=PREFLIGHT_HEADERS)
    response.headers[ALLOW_ORIGIN] = origin
    response.vary.add("Origin")
    return response


def allow_listed_origin(response: Response) -> Response:
    """Let a listed origin's pages read the response; no one else's."""
    origin = request.headers.get("Origin")
    if origin is None:
        return response
    response.vary.add("Origin")
    if ALLOW_ORIGIN not in response.headers and _listed(origin):
        response.headers[ALLOW_ORIGIN] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def _listed(origin: str) -> bool:
    if not origin:
        return False
    try:
        return origin in browser_origins(db())
    except SQLAlchemyError as exc:  # the response (an error, then) goes out without CORS
        log.warning("could not read the sites' origins: %s", exc)
        return False
