"""Marks each test with the servers its fixtures need, so that
`pytest -m "not postgres and not redis and not e2e and not browser"` runs with neither."""

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the servers its fixtures need."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("any_session") == "postgresql":
            used.add("pg_session")
        for marker, fixtures in SERVER_FIXTURES.items():
            if used & fixtures:
                item.add_marker(marker)
