"""Checking a site's API key without a query per call: a web process remembers the live keys
it has checked for a few seconds, and trusts what it remembers only while the keys' version in
Redis is the one it read them under. Every revocation changes that version (after its commit),
so a revoked key is refused from the next call on, in every process; when Redis cannot be read,
keys are checked in the database, and a change that could not be announced is bounded by the
few seconds a key is remembered."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from moderation import sites
from moderation.cache import Recent
from moderation.models import ApiKey, Site
from moderation.redis_client import fail_fast

log = logging.getLogger(__name__)
VERSION_KEY = "modq:site-keys:version"
KEY_SECONDS = 5.0  # the longest a revocation that could not be announced goes unnoticed
KEY_ITEMS = 1024
PAUSE_SECONDS = 5.0  # after Redis failed to answer, keys are checked in the database


@dataclass(frozen=True)
class SiteRef:
    """What a call needs of the calling site (a copy, safe to keep between calls)."""

    id: int
    name: str
    reader_secret: str
    anonymous_comments: bool

    @classmethod
    def of(cls, site: Site) -> SiteRef:
        """The copy of a stored site."""
        return cls(site.id, site.name, site.reader_secret, bool(site.anonymous_comments))


@dataclass(frozen=True)
class KeyRef:
    """A live key and its site."""

    id: int
    site: SiteRef

    @property
    def site_id(self) -> int:
        """The id of the key's site."""
        return self.site.id

    @classmethod
    def of(cls, key: ApiKey) -> KeyRef:
        """The copy of a stored key."""
        return cls(key.id, SiteRef.of(key.site))


class KeyVersion:
    """The site keys' version in Redis: read before trusting a remembered key, changed by
    every revocation. None while Redis cannot be read (then nothing remembered is trusted)."""

    def __init__(
        self,
        redis_url: str,
        key: str = VERSION_KEY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client: Any = fail_fast(redis_url, timeout=0.25)
        self.key, self._clock, self._paused_until = key, clock, 0.0

    def read(self) -> str | None:
        """The current version ("" before the first change), or None."""
        if self._clock() < self._paused_until:
            return None
        try:
            value = self._client.get(self.key)
        except Exception as exc:  # a dead server must not cost every call a timeout
            self._paused_until = self._clock() + PAUSE_SECONDS
            log.debug("site keys are checked in the database: Redis cannot be read (%s)", exc)
            return None
        return value.decode() if value else ""

    def change(self) -> bool:
        """Announce a change (a new random version: it never comes back, even after Redis
        lost its data); False, with a warning, when Redis cannot be written."""
        try:
            self._client.set(self.key, secrets.token_hex(8))
        except Exception as exc:
            log.warning(
                "could not tell the web processes that site keys changed (%s): a revoked key "
                "may work for %g s more",
                exc,
                KEY_SECONDS,
            )
            return False
        return True

    def close(self) -> None:
        """Close the connections to Redis."""
        self._client.close()


class KeyMemory:
    """Live keys by the hash of their token, each with the version it was checked under, for
    `seconds` at most (the `items` most recently used). Safe to share between threads."""

    def __init__(
        self,
        seconds: float = KEY_SECONDS,
        items: int = KEY_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._known: Recent[str, tuple[str, KeyRef]] = Recent(items, seconds, clock)

    def recall(self, token_hash: str, version: str) -> KeyRef | None:
        """The key, if it was checked under `version` less than `seconds` ago."""
        entry = self._known.get(token_hash)
        return entry[1] if entry is not None and entry[0] == version else None

    def remember(self, token_hash: str, version: str, key: KeyRef) -> None:
        """Keep a key just checked in the database, under the version read before the check."""
        self._known.put(token_hash, (version, key))


class SiteKeys:
    """The live key a token names: remembered, or checked in the database."""

    def __init__(self, version: KeyVersion, memory: KeyMemory | None = None) -> None:
        self.version, self.memory = version, memory or KeyMemory()

    def authenticate(self, session: Callable[[], Session], token: str) -> KeyRef:
        """The live key `token` names, or KeyRefused (see sites.authenticate); `session` is
        called only when the database must be asked."""
        # Read before the database: a revocation committed after this read changes the
        # version, so what the database says now is never remembered past it.
        version, token_hash = self.version.read(), sites.hash_key(token)
        if version is not None and (known := self.memory.recall(token_hash, version)):
            return known
        key = KeyRef.of(sites.authenticate(session(), token))
        if version is not None:
            self.memory.remember(token_hash, version, key)
        return key

    def after_commit(self, session: Session) -> None:
        """Announce the keys' change a committed session made (sites.KEYS_CHANGED)."""
        if session.info.pop(sites.KEYS_CHANGED, False):
            self.version.change()
