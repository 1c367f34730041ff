"""Growing delays after failed logins, per username and per network address.

A key (a username, an address) may fail a few times freely; after that, every further attempt
must wait a delay that doubles with each failure, up to a cap. An attempt made while waiting
is refused without looking at the password, so the right password is refused too. Counters are
in the database, so they hold on the embedded SQLite default and across web processes.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.logins.models import LoginThrottle

# A key with no failure for this long starts afresh (and its row is deleted).
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ThrottleRules:
    """How many failures are free, and how the delays after them grow."""

    account_free: int = 5
    address_free: int = 20
    first_delay: int = 2
    max_delay: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleRules:
        """The rules the MODQ_LOGIN_* settings describe."""
        return cls(
            settings.login_account_free_failures,
            settings.login_address_free_failures,
            settings.login_first_delay_seconds,
            settings.login_max_delay_seconds,
        )

    def delay(self, failures: int, free: int) -> int:
        """Seconds to wait after `failures` failures of a key allowed `free` of them."""
        if failures < free:
            return 0
        doubled: int = self.first_delay * 2 ** min(failures - free, 30)
        return min(doubled, self.max_delay)


@dataclass(frozen=True)
class ThrottleKey:
    """One counter: its name and how many failures it allows freely."""

    name: str
    free: int


@dataclass(frozen=True)
class ThrottleKeys:
    """The counters one login attempt is held to: its username's and its address's."""

    account: ThrottleKey
    address: ThrottleKey | None

    @property
    def all(self) -> list[ThrottleKey]:
        """Both counters (the address's only when the address is known)."""
        return [self.account, *([self.address] if self.address else [])]


def keys_for(username: str, address_hash: str | None, rules: ThrottleRules) -> ThrottleKeys:
    """The counters for a username (known or not, so refusals reveal nothing) and address."""
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return ThrottleKeys(
        ThrottleKey(f"account:{account}", rules.account_free),
        ThrottleKey(f"address:{address_hash}", rules.address_free) if address_hash else None,
    )


def wait(session: Session, keys: ThrottleKeys, rules: ThrottleRules, now: datetime) -> int:
    """Seconds before this attempt may be checked (0: now; committed).

    A key that is already being slowed down is claimed for this one attempt, so that guesses
    sent in parallel cannot all pass through the same opening.
    """
    rows = {key: _live_row(session, key, now) for key in keys.all}
    waits = [_remaining(row, now) for row in rows.values() if row is not None]
    if max(waits, default=0):
        return max(waits)
    for key, row in rows.items():
        if row is not None and row.failures >= key.free and not _claim(session, key, rules, now):
            session.commit()
            return max(1, _remaining(_live_row(session, key, now), now))
    session.commit()
    return 0


def record_failure(
    session: Session, keys: ThrottleKeys, rules: ThrottleRules, now: datetime
) -> int:
    """Count a failed login against each key; the longest delay it starts (not committed)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - FORGET_AFTER))
    longest = 0
    for key in keys.all:
        _ensure_row(session, key.name, now)
        this_key = LoginThrottle.key == key.name
        session.execute(
            update(LoginThrottle)
            .where(this_key)
            .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        )
        row = session.get(LoginThrottle, key.name, populate_existing=True)
        assert row is not None
        if delay := rules.delay(row.failures, key.free):
            until = now + timedelta(seconds=delay)
            session.execute(
                update(LoginThrottle)
                .where(
                    this_key,
                    or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < until),
                )
                .values(blocked_until=until)
            )
        longest = max(longest, delay)
    return longest


def forgive(session: Session, keys: ThrottleKeys, rules: ThrottleRules) -> None:
    """After a successful login: the username starts afresh, the address gives back the
    opening it claimed (its failures still count; not committed)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.account.name))
    if keys.address and (row := session.get(LoginThrottle, keys.address.name)):
        delay = rules.delay(row.failures, keys.address.free)
        row.blocked_until = row.last_failure_at + timedelta(seconds=delay) if delay else None


def _live_row(session: Session, key: ThrottleKey, now: datetime) -> LoginThrottle | None:
    row = session.get(LoginThrottle, key.name, populate_existing=True)
    if row is None or row.last_failure_at < now - FORGET_AFTER:
        return None
    return row


def _remaining(row: LoginThrottle | None, now: datetime) -> int:
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return 0
    return math.ceil((row.blocked_until - now).total_seconds())


def _claim(session: Session, key: ThrottleKey, rules: ThrottleRules, now: datetime) -> bool:
    """Move the key's opening past this attempt, unless another request did first."""
    row = session.get(LoginThrottle, key.name)
    assert row is not None
    until = now + timedelta(seconds=rules.delay(row.failures + 1, key.free))
    claimed = session.execute(
        update(LoginThrottle)
        .where(
            LoginThrottle.key == key.name,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now),
        )
        .values(blocked_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _ensure_row(session: Session, name: str, now: datetime) -> None:
    if session.get(LoginThrottle, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(LoginThrottle(key=name, failures=0, last_failure_at=now))
    except IntegrityError:  # a parallel failure created it first
        pass
