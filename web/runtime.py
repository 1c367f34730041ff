"""What request handlers share: settings, a session per request, the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from moderation.breaker import CircuitBreaker, CircuitOpen
from moderation.cache import Reloaded
from moderation.comments.articles import ArticleLookup
from moderation.comments.intake import Enqueue, QueueEntry
from moderation.config import Settings
from moderation.decisions import duty
from moderation.decisions.active_policy import active_policy, fallback_text
from moderation.policy.document import Policy
from moderation.ratelimit import RateLimiter
from moderation.readers.second_thought import CheapCheck
from moderation.signals.words.lists import stored_matcher
from moderation.site_keys import SiteKeys


@dataclass(frozen=True)
class Runtime:
    """Process-wide objects of the web app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    enqueue: Enqueue
    limiter: RateLimiter
    articles: ArticleLookup  # article ids remembered for a short while: no lookup per comment
    keys: SiteKeys  # live site keys remembered while no revocation is announced
    # Sends the webhook deliveries due now (after a request recorded events).
    push_webhooks: Callable[[], None] = lambda: None
    # Whether the stricter mode closes commenting; read through `closing_cache` in the app.
    closing: Callable[[Session], duty.Closing | None] = duty.closing

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
        from workers.publishing import PUBLISHING_TRANSPORT, DirectPublisher

        self.celery = create_celery(settings)
        self.celery.conf.broker_transport = PUBLISHING_TRANSPORT
        self.celery.conf.broker_transport_options = {
            **self.celery.conf.broker_transport_options,
            "socket_connect_timeout": PUBLISH_CONNECT_TIMEOUT_SECONDS,
        }
        self.direct = DirectPublisher(self.celery)  # with the timeouts set above
        self.breaker = CircuitBreaker("broker", settings.broker_retry_seconds)

    def __call__(self, entry: QueueEntry) -> None:
        """Queue the comment for scoring, or raise (CircuitOpen while the broker is away)."""
        from workers.celery_app import scoring_call

        self.breaker.call(lambda: self.direct.send(scoring_call(entry)))

    def push_webhooks(self, session_factory: sessionmaker[Session]) -> None:
        """Send the webhook deliveries due now; while the broker is away the sweep will."""
        from moderation.webhooks.outbox import release, take_due
        from workers.celery_app import send_webhooks

        if self.breaker.is_open:
            return  # intake probes the broker; the sweep sends these once it is back
        with session_factory() as session:
            due = take_due(session)
            try:
                self.breaker.call(lambda: send_webhooks(self.celery, due))
            except CircuitOpen:  # logged once, where the outage began
                release(session, due)


def cheap_check() -> CheapCheck:
    """The app's second-thought checker (the lexical model and the watched words), made on
    first use."""
    extensions = current_app.extensions
    if "modq_cheap_check" not in extensions:
        settings, sessions = runtime().settings, runtime().session_factory
        made = CheapCheck(stored_matcher(sessions), settings.scorer_retry_seconds)
        # Threads of one process may race here: one checker wins, and every thread uses it.
        extensions.setdefault("modq_cheap_check", made)
    checker: CheapCheck = extensions["modq_cheap_check"]
    return checker


CLOSING_SECONDS = 5.0  # beat starts or ends the stricter mode at most once a minute


def closing_cache(sessions: sessionmaker[Session]) -> Callable[[Session], duty.Closing | None]:
    """duty.closing read at most every CLOSING_SECONDS, so intake pays no query for it."""
    cached = Reloaded(sessions, duty.closing, lambda closed: closed, CLOSING_SECONDS)
    return lambda _session: cached()
