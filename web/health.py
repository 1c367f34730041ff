"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import redis
from flask import Blueprint, Response, g, jsonify

from moderation.db import migration_heads, schema_revisions
from moderation.decisions.health import scorer_health
from moderation.kinds import CheckState, Readiness
from moderation.logs import Masker
from moderation.masking import mask_credentials
from moderation.redis_client import fail_fast
from web.runtime import db, runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive."""
    return jsonify({"status": Readiness.OK})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Database, broker and scorers: 503 if comments cannot be accepted, 'degraded' if the
    service accepts them but cannot decide them all automatically.

    Anyone (an orchestrator's probe) gets the status; the checks, which name hosts, versions
    and errors, only a logged-in moderator, and even then with credentials masked."""
    checks = {"database": database_check(), "broker": broker_check(), **scorer_checks()}
    if checks["database"]["state"] != CheckState.OK:
        status, code = Readiness.UNAVAILABLE, 503
    elif all(c["state"] == CheckState.OK for c in checks.values()):
        status, code = Readiness.OK, 200
    else:
        status, code = Readiness.DEGRADED, 200
    if g.get("moderator") is None or g.moderator.must_change_password:
        return jsonify({"status": status}), code
    return jsonify({"status": status, "checks": _masked(checks)}), code


def _masked(checks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        name: {key: mask_credentials(v) if isinstance(v, str) else v for key, v in check.items()}
        for name, check in checks.items()
    }


def database_check() -> dict[str, str]:
    """Can we query, and is the schema at the newest migration?"""
    try:
        current = schema_revisions(db().connection())
    except Exception as exc:
        db().rollback()
        return {
            "state": CheckState.FAILED,
            "detail": f"{type(exc).__name__}: {exc}".splitlines()[0],
        }
    if current != migration_heads():
        return {
            "state": CheckState.FAILED,
            "detail": f"the schema is at {sorted(current) or 'nothing'}, "
            f"not {sorted(migration_heads())}: run `modq db upgrade`",
        }
    return {"state": CheckState.OK}


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
        return {"state": CheckState.FAILED, "detail": Masker(settings.secret_values())(detail)}
    return {"state": CheckState.OK}


def scorer_checks() -> dict[str, dict[str, Any]]:
    """What workers last reported about each scorer."""
    try:
        reported = scorer_health(db())
    except Exception as exc:
        db().rollback()
        return {
            "scorers": {"state": CheckState.UNKNOWN, "detail": f"cannot read their state: {exc}"}
        }
    if not reported:
        return {
            "scorers": {
                "state": CheckState.UNKNOWN,
                "detail": "no worker has reported yet; is a worker running?",
            }
        }
    return {
        f"scorer:{name}": {"state": h.state, "version": h.version, "detail": h.detail}
        for name, h in reported.items()
    }
