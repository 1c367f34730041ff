"""What request handlers share: settings, a session per request, the queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from moderation.comments.intake import Enqueue, QueueEntry
from moderation.config import Settings
from moderation.decisions.active_policy import active_policy, fallback_text
from moderation.policy.document import Policy
from moderation.ratelimit import RateLimiter


@dataclass(frozen=True)
class Runtime:
    """Process-wide objects of the web app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    enqueue: Enqueue
    limiter: RateLimiter

    def policy(self, session: Session) -> Policy:
        """The active policy, or MODQ_POLICY_FILE (else the built-in one) while none is."""
        return active_policy(session, fallback_text(self.settings.policy_file))


def runtime() -> Runtime:
    """The current app's runtime."""
    value: Runtime = current_app.extensions["modq"]
    return value


def db() -> Session:
    """This request's database session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = runtime().session_factory()
    session: Session = g.db
    return session


def close_db(_error: BaseException | None = None) -> None:
    """Close the request's session, if one was opened."""
    session = g.pop("db", None)
    if session is not None:
        session.close()


def celery_enqueue(settings: Settings) -> Enqueue:
    """Publish the scoring task by name; the web process never imports the task code."""
    from workers.celery_app import create_celery, send_for_scoring

    celery = create_celery(settings)

    def enqueue(entry: QueueEntry) -> None:
        send_for_scoring(celery, entry)

    return enqueue
