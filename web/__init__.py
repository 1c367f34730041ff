"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation.config import Settings, dev_secret_key, load_settings
from moderation.db import make_engine, make_session_factory
from moderation.logs import configure_logging
from web.runtime import Runtime, celery_enqueue

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    test_config: Mapping[str, Any] | None = None,
) -> Flask:
    """Build the app from settings (default: the environment), then Flask test overrides."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    app = Flask(__name__)
    app.config.update(flask_config(settings))
    app.config.update(test_config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep fields in a readable order
    engine = make_engine(settings.database_url)
    app.extensions["modq"] = Runtime(
        settings, engine, make_session_factory(engine), celery_enqueue(settings)
    )
    if settings.trusted_proxies:
        # The address of the reader, not of the proxy, as X-Forwarded-For reports it.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.trusted_proxies,  # type: ignore[method-assign]
            x_proto=settings.trusted_proxies,
        )
    csrf.init_app(app)
    _register_blueprints(app)
    from web import cli, errors, hooks

    errors.register(app)
    hooks.register(app)
    cli.register(app)
    return app


def flask_config(settings: Settings) -> dict[str, Any]:
    """Flask's own settings derived from ours."""
    secret = settings.secret_key
    if not secret:
        log.info("MODQ_SECRET_KEY is not set: using the development key in %s", settings.var_dir)
        secret = dev_secret_key(settings.var_dir)
    return {
        "SECRET_KEY": secret,
        "MAX_CONTENT_LENGTH": settings.max_request_bytes,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
    }


def _register_blueprints(app: Flask) -> None:
    from web import (
        admin,
        admin_rules,
        api,
        audit_log,
        auth,
        authors,
        bulk,
        card,
        dashboard,
        health,
        insight,
        metrics,
        review,
    )
    from web.presenters.queue import query_string

    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # machine-to-machine JSON, no cookies: CSRF does not apply
    for module in (health, auth, review, card, authors, bulk, audit_log, dashboard, insight):
        app.register_blueprint(module.bp)
    for module in (admin, admin_rules, metrics):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(timedelta=timedelta, query_string=query_string)
