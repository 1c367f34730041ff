"""The OpenAPI document of the v1 API, served at /api/v1/openapi.json."""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


@functools.cache
def document() -> dict[str, Any]:
    """The document, read once from web/openapi.yaml (kept in YAML to stay readable)."""
    loaded: dict[str, Any] = yaml.safe_load(files("web").joinpath("openapi.yaml").read_text())
    return loaded


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    return jsonify(document())
