"""What request handlers share: settings, a session per request, the queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from moderation.breaker import CircuitBreaker
from moderation.comments.articles import ArticleLookup
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
    articles: ArticleLookup  # article ids remembered for a short while: no lookup per comment

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


# A request must not wait long for a broker that is away: the row is committed already.
PUBLISH_CONNECT_TIMEOUT_SECONDS = 0.5


class BrokerPublisher:
    """Publishes the scoring task by name behind a circuit breaker: while the broker is away,
    intake skips the publish instead of paying a connection attempt per request (the web
    process never imports the task code)."""

    def __init__(self, settings: Settings) -> None:
        from workers.celery_app import create_celery

        self.celery = create_celery(settings)
        self.celery.conf.broker_transport_options = {
            **self.celery.conf.broker_transport_options,
            "socket_connect_timeout": PUBLISH_CONNECT_TIMEOUT_SECONDS,
        }
        self.breaker = CircuitBreaker("broker", settings.broker_retry_seconds)

    def __call__(self, entry: QueueEntry) -> None:
        """Queue the comment for scoring, or raise (CircuitOpen while the broker is away)."""
        from workers.celery_app import send_for_scoring

        self.breaker.call(lambda: send_for_scoring(self.celery, entry))
