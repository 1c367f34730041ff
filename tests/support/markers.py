"""Marks each test with the servers its fixtures need, so that
`pytest -m "not postgres and not redis and not e2e and not browser"` runs with neither; and
keeps the end-to-end tests together on one of pytest-xdist's workers."""

import os
from pathlib import Path
from typing import Any

import pytest

SERVER_FIXTURES = {
    "postgres": {
        "postgres_url",
        "postgres_engine",
        "pg_session_factory",
        "pg_session",
        "committing_engine",
    },
    "redis": {"redis_client"},
}
# Tests that start real processes (workers, beat, modq up) on the end-to-end Redis database,
# each emptying it and the tables those processes read: they must not run side by side.
END_TO_END = Path(__file__).resolve().parents[1] / "end_to_end"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the servers its fixtures need."""
    for item in items:
        if item.path.resolve().is_relative_to(END_TO_END):
            item.add_marker(pytest.mark.e2e)
        used = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("any_session") == "postgresql":
            used.add("pg_session")
        for marker, fixtures in SERVER_FIXTURES.items():
            if used & fixtures:
                item.add_marker(marker)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's load scheduling, but the end-to-end tests go to one worker, one after
    another, while the other workers share the rest of the suite test by test."""
    from xdist.scheduler import LoadScopeScheduling

    # The scheduler sees only node ids, which are relative to the rootdir.
    together = os.path.relpath(END_TO_END, config.rootpath) + "/"

    class EndToEndTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return together if nodeid.startswith(together) else nodeid

    return EndToEndTogether(config, log)
