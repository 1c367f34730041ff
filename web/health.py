"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, jsonify

from moderation.db import migration_heads, schema_revisions
from moderation.decisions.pipeline import scorer_health
from moderation.logs import Masker
from moderation.redis_client import fail_fast
from web.runtime import db, runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Database, broker and scorers: 503 if comments cannot be accepted, 'degraded' if the
    service accepts them but cannot decide them all automatically."""
    checks = {"database": database_check(), "broker": broker_check(), **scorer_checks()}
    if checks["database"]["state"] != "ok":
        status, code = "unavailable", 503
    elif all(c["state"] == "ok" for c in checks.values()):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    return jsonify({"status": status, "checks": checks}), code


def database_check() -> dict[str, str]:
    """Can we query, and is the schema at the newest migration?"""
    try:
        current = schema_revisions(db().connection())
    except Exception as exc:
        db().rollback()
        return {"state": "failed", "detail": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    if current != migration_heads():
        return {
            "state": "failed",
            "detail": f"the schema is at {sorted(current) or 'nothing'}, "
            f"not {sorted(migration_heads())}: run `modq db upgrade`",
        }
    return {"state": "ok"}


def broker_check() -> dict[str, str]:
    """Does Redis answer? Without it comments are stored but wait in `pending`."""
    settings = runtime().settings
    try:
        fail_fast(settings.redis_url).ping()
    except redis.RedisError as exc:
        detail = (
            f"Redis at {settings.redis_url} does not answer ({exc}); comments "
            "are stored and will be queued when it is back"
        )
        return {"state": "failed", "detail": Masker(settings.secret_values())(detail)}
    return {"state": "ok"}


def scorer_checks() -> dict[str, dict[str, Any]]:
    """What workers last reported about each scorer."""
    try:
        reported = scorer_health(db())
    except Exception as exc:
        db().rollback()
        return {"scorers": {"state": "unknown", "detail": f"cannot read their state: {exc}"}}
    if not reported:
        return {
            "scorers": {
                "state": "unknown",
                "detail": "no worker has reported yet; is a worker running?",
            }
        }
    return {
        f"scorer:{name}": {"state": h.state, "version": h.version, "detail": h.detail}
        for name, h in reported.items()
    }
