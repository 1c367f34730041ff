"""Policy versions in the database: the active one, and activating a new one (audited)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation import audit
from moderation.models import PolicyVersion
from moderation.policy.document import Policy, digest, load

RELOAD_SECONDS = 10  # how stale a worker's copy of the active policy may get


def fallback_text(policy_file: Path | None) -> str:
    """The document used while no version is activated: MODQ_POLICY_FILE, or nothing (the
    built-in policy)."""
    return policy_file.read_text() if policy_file else ""


def active_version(session: Session) -> PolicyVersion | None:
    """The most recently activated version, if any."""
    return session.scalar(
        select(PolicyVersion)
        .order_by(PolicyVersion.activated_at.desc(), PolicyVersion.id.desc())
        .limit(1)
    )


def active_policy(session: Session, fallback: str = "") -> Policy:
    """The policy decisions are made with now."""
    version = active_version(session)
    if version is None:
        return load(fallback, "builtin" if not fallback.strip() else f"file-{digest(fallback)}")
    return load(version.document, version.label)


def activate(session: Session, text: str, actor: str, note: str = "") -> PolicyVersion:
    """Validate and activate a document (committed, audited); PolicyError if it is invalid."""
    load(text)
    version = PolicyVersion(
        document=text, digest=digest(text).removeprefix("sha-"), note=note, created_by=actor
    )
    session.add(version)
    session.flush()
    audit.record(
        session, actor, "policy.activated", "policy", version.id, version=version.label, note=note
    )
    session.commit()
    return version


class StoredPolicy:
    """The active policy, re-read at most every RELOAD_SECONDS."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        fallback: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions, self.fallback, self.clock = sessions, fallback, clock
        self._lock = threading.Lock()
        self._policy: Policy | None = None
        self._read_at = -1e9

    def __call__(self) -> Policy:
        with self._lock:
            if self._policy is None or self.clock() - self._read_at >= RELOAD_SECONDS:
                with self.sessions() as session:
                    self._policy = active_policy(session, self.fallback)
                self._read_at = self.clock()
            return self._policy
