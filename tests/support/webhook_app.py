"""The app as the webhook tests need it: internal addresses allowed (the receivers listen on
127.0.0.1), and what a request pushes delivered at once, in the request, instead of through a
worker (the end-to-end tests run the real one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from moderation.webhooks import delivery, outbox
from tests.conftest import migrated_settings
from web import create_app


@contextmanager
def delivering_app(folder: Path) -> Iterator[Flask]:
    """The app on a fresh SQLite file in `folder`, delivering due webhooks after requests."""
    settings = migrated_settings(folder, webhook_private_addresses=True)
    application = create_app(settings, {"TESTING": True})
    runtime = application.extensions["modq"]

    def deliver_now() -> None:
        with runtime.session_factory() as session:
            for delivery_id in outbox.take_due(session):
                delivery.attempt(session, delivery_id, allow_private=True)

    application.extensions["modq"] = dataclasses.replace(runtime, push_webhooks=deliver_now)
    try:
        yield application
    finally:
        runtime.engine.dispose()
