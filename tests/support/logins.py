"""Helpers for the login tests: where a request comes from, time passing, the audit trail."""

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.models import AuditEntry

WRONG = "not the password"


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    """Make the client's requests come from `address`."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def time_passes(app: Flask, **delta: float) -> None:
    """Move every stored login and session time back, as if the clock had moved forward."""
    from moderation.logins.models import LoginThrottle, ModeratorSession

    shift = timedelta(**delta)
    with app.extensions["modq"].session_factory() as session:
        for row in session.scalars(select(LoginThrottle)):
            row.last_failure_at -= shift
            row.blocked_until = row.blocked_until and row.blocked_until - shift
        for login in session.scalars(select(ModeratorSession)):
            login.created_at -= shift
            login.last_seen_at -= shift
        session.commit()


def audit_entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.extensions["modq"].session_factory() as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(session.scalars(query))
