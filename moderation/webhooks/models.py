"""The stored records of webhooks: a site's endpoints, the outbox of events, one delivery per
event and endpoint, and every attempt of a delivery (the log admins read)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from moderation.db import Base, UTCDateTime, utcnow
from moderation.kinds import DeliveryState
from moderation.models import Site


class WebhookEndpoint(Base):
    """A URL of a site that receives signed events."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # `whsec_` + base64 key. Kept as is: signing needs the key itself (unlike an API key,
    # which only needs checking and is stored as a hash); shown once, masked elsewhere.
    secret: Mapped[str] = mapped_column(String(100))
    # The event types sent here; empty means every type.
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failing: attempts failed in a row since the last success, and when the run began.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str] = mapped_column(Text, default="")

    site: Mapped[Site] = relationship()

    @property
    def masked_secret(self) -> str:
        """Enough of the secret to tell two apart, never enough to sign."""
        return f"{self.secret[:10]}…"

    def wants(self, event_type: str) -> bool:
        """Whether this endpoint subscribed to `event_type`."""
        return not self.event_types or event_type in self.event_types


class WebhookEvent(Base):
    """One event in the outbox: written in the transaction that decided, sent after it."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_..., the webhook-id
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    comment_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # The exact body sent (and signed) on every attempt, resends included.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="event", order_by="WebhookDelivery.id"
    )


class WebhookDelivery(Base):
    """One event on its way to one endpoint."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # since created or resent
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a task was last sent for it: the sweep sends again only what was never sent or
    # whose message looks lost.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One attempt at a time: a worker holds the delivery until this passes.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[WebhookEvent] = relationship(back_populates="deliveries")
    endpoint: Mapped[WebhookEndpoint] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery", order_by="WebhookAttempt.id"
    )


class WebhookAttempt(Base):
    """One POST of a delivery and what came back."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(Text, default="")  # the first bytes, as text

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="log")

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300
