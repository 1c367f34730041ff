"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from moderation.comments.articles import ArticleLookup
from moderation.config import Settings, dev_secret_key, load_settings
from moderation.db import make_engine, make_session_factory
from moderation.logs import configure_logging
from moderation.ratelimit import RateLimiter
from moderation.site_keys import KeyVersion, SiteKeys
from moderation.sites import open_intake_warning, open_sites
from web.runtime import BrokerPublisher, Runtime, closing_cache

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    test_config: Mapping[str, Any] | None = None,
) -> Flask:
    """Build the app from settings (default: the environment), then Flask test overrides."""
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    app = Flask(__name__)
    app.config.update(flask_config(settings))
    app.config.update(test_config or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep fields in a readable order
    engine = make_engine(settings.database_url)
    session_factory, publisher = make_session_factory(engine), BrokerPublisher(settings)
    keys = SiteKeys(KeyVersion(settings.redis_url))
    # A revocation through this app (the admin screens, `modq site`) reaches every process.
    event.listen(session_factory, "after_commit", keys.after_commit)
    app.extensions["modq"] = Runtime(
        settings,
        engine,
        session_factory,
        publisher,
        RateLimiter(settings.redis_url, settings.rate_window_seconds, app.secret_key or ""),
        ArticleLookup(),
        keys,
        lambda: publisher.push_webhooks(session_factory),
        closing_cache(session_factory),
    )
    if settings.trusted_proxies:
        # The address of the reader, not of the proxy, as X-Forwarded-For reports it.
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=settings.trusted_proxies,  # type: ignore[method-assign]
            x_proto=settings.trusted_proxies,
        )
    from web import cli, confirm, errors, hooks

    hooks.register(app)  # first: who is calling, and may they, before the CSRF check
    csrf.init_app(app)
    _register_blueprints(app)
    errors.register(app)
    confirm.register(app)
    cli.register(app)
    return app


def warn_about_open_intake(app: Flask) -> None:
    """Say loudly, in the log, which sites take comments without a key."""
    try:
        with app.extensions["modq"].session_factory() as session:
            for site in open_sites(session):
                log.warning(open_intake_warning(site))
    except SQLAlchemyError as exc:  # not migrated yet: /readyz says so
        log.warning("could not read the sites: %s", exc)


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
        admin_sites,
        admin_webhooks,
        api,
        api_readers,
        audit_log,
        auth,
        authors,
        bulk,
        card,
        dashboard,
        demo,
        embed,
        health,
        insight,
        metrics,
        openapi,
        review,
    )
    from web.presenters.queue import query_string

    # Machine-to-machine JSON with credentials in headers, no cookies: CSRF does not apply.
    # The embed checks its own token, bound to the reader (web/embed_state.py).
    for module in (api, api_readers, embed):
        app.register_blueprint(module.bp)
        csrf.exempt(module.bp)
    for module in (demo, openapi, health, auth, review, card, authors, bulk, audit_log):
        app.register_blueprint(module.bp)
    for module in (dashboard, insight, admin, admin_rules, admin_sites, admin_webhooks, metrics):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(timedelta=timedelta, query_string=query_string)
    # Browsers ask for /favicon.ico by convention; the pages also link the same file.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
