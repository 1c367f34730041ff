"""Policy versions in the database: the active one, and activating a new one (audited)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from moderation import audit
from moderation.cache import RELOAD_SECONDS, Reloaded
from moderation.models import PolicyVersion
from moderation.policy.document import Policy
from moderation.policy.reader import digest, load


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
    return _parse(version.document, version.label) if version else _parse_fallback(fallback)


# Parsing a document costs ~20 ms (YAML, then every key checked); a version never changes, so
# each is parsed once per process. Policies are frozen.
@functools.lru_cache(maxsize=8)
def _parse(document: str, label: str) -> Policy:
    return load(document, label)


@functools.lru_cache(maxsize=4)
def _parse_fallback(fallback: str) -> Policy:
    return load(fallback, "builtin" if not fallback.strip() else f"file-{digest(fallback)}")


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


def stored_policy(
    sessions: sessionmaker[Session], fallback: str = "", clock: Callable[[], float] = time.monotonic
) -> Callable[[], Policy]:
    """The active policy, re-read at most every RELOAD_SECONDS and parsed when it changed."""

    def build(document: tuple[str, str] | None) -> Policy:
        return _parse(*document) if document else _parse_fallback(fallback)

    return Reloaded(sessions, _active_document, build, RELOAD_SECONDS, clock)


def _active_document(session: Session) -> tuple[str, str] | None:
    version = active_version(session)
    return (version.document, version.label) if version else None
