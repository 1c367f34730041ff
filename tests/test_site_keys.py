"""Site keys remembered between calls: trusted only under the version they were checked
under, for a few seconds at most, and checked in the database whenever Redis cannot say."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from moderation import sites
from moderation.site_keys import KEY_SECONDS, KeyMemory, KeyRef, KeyVersion, SiteKeys, SiteRef
from tests.conftest import REDIS_TEST_URL
from tests.support.recording import Clock, statements
from tests.support.services import free_port

DEAD_REDIS = f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def version() -> Iterator[KeyVersion]:
    value = KeyVersion(REDIS_TEST_URL, f"test:{uuid.uuid4().hex}")
    yield value
    value._client.delete(value.key)
    value.close()


@pytest.fixture
def key_queries(session: Session) -> Iterator[list[str]]:
    """The key lookups sent to the database."""
    with statements(session.get_bind(), "WHERE api_keys.key_hash") as seen:
        yield seen


def test_a_key_is_checked_once_while_nothing_changes(
    session: Session, version: KeyVersion, key_queries: list[str]
) -> None:
    site, token = sites.create_site(session, "gazette")
    keys = SiteKeys(version)
    first = keys.authenticate(lambda: session, token)
    assert first == KeyRef(site.keys[0].id, SiteRef.of(site))
    assert [keys.authenticate(lambda: session, token) for _ in range(3)] == [first] * 3
    assert len(key_queries) == 1


def test_a_revocation_is_seen_at_the_next_check(
    session: Session, version: KeyVersion, key_queries: list[str]
) -> None:
    site, token = sites.create_site(session, "gazette")
    keys = SiteKeys(version)
    session.info.clear()  # what creating the site marked
    keys.authenticate(lambda: session, token)
    sites.revoke_key(session, site.keys[0].id)
    keys.after_commit(session)  # as the app's sessions do after each commit
    with pytest.raises(sites.KeyRefused, match="revoked"):
        keys.authenticate(lambda: session, token)
    assert len(key_queries) == 2


def test_a_change_is_announced_to_every_process(session: Session, version: KeyVersion) -> None:
    site, token = sites.create_site(session, "gazette")
    here, elsewhere = SiteKeys(version), SiteKeys(KeyVersion(REDIS_TEST_URL, version.key))
    elsewhere.authenticate(lambda: session, token)
    sites.revoke_key(session, site.keys[0].id)
    here.after_commit(session)
    with pytest.raises(sites.KeyRefused):
        elsewhere.authenticate(lambda: session, token)
    assert sites.KEYS_CHANGED not in session.info, "announced once"


def test_without_redis_every_check_asks_the_database(
    session: Session, key_queries: list[str]
) -> None:
    site, token = sites.create_site(session, "gazette")
    keys = SiteKeys(KeyVersion(DEAD_REDIS))
    keys.authenticate(lambda: session, token)
    keys.authenticate(lambda: session, token)
    assert len(key_queries) == 2
    sites.revoke_key(session, site.keys[0].id)
    with pytest.raises(sites.KeyRefused):
        keys.authenticate(lambda: session, token)


def test_an_unannounced_revocation_is_seen_within_the_memorys_time(
    session: Session, version: KeyVersion, caplog: pytest.LogCaptureFixture
) -> None:
    site, token = sites.create_site(session, "gazette")
    clock = Clock()
    keys = SiteKeys(version, KeyMemory(clock=clock))
    keys.authenticate(lambda: session, token)
    sites.revoke_key(session, site.keys[0].id)
    with caplog.at_level(logging.WARNING):
        assert not SiteKeys(KeyVersion(DEAD_REDIS)).version.change()
    assert "a revoked key may work for 5 s more" in caplog.text
    clock.now = KEY_SECONDS - 0.1
    assert keys.authenticate(lambda: session, token)  # remembered, and nobody said otherwise
    clock.now = KEY_SECONDS
    with pytest.raises(sites.KeyRefused):
        keys.authenticate(lambda: session, token)


def test_unknown_and_revoked_keys_are_never_remembered(
    session: Session, version: KeyVersion, key_queries: list[str]
) -> None:
    site, token = sites.create_site(session, "gazette")
    sites.revoke_key(session, site.keys[0].id)
    keys = SiteKeys(version)
    for presented in ("modq_unknown", "modq_unknown", token, token):
        with pytest.raises(sites.KeyRefused):
            keys.authenticate(lambda: session, presented)
    assert len(key_queries) == 4


def test_the_memory_keeps_the_most_recently_used_keys_only() -> None:
    memory = KeyMemory(items=2)
    refs = [KeyRef(n, SiteRef(1, "s", "secret", False)) for n in range(3)]
    for n, ref in enumerate(refs):
        memory.remember(f"h{n}", "v", ref)
    assert memory.recall("h0", "v") is None
    assert memory.recall("h2", "v") == refs[2]
    assert memory.recall("h2", "other version") is None
