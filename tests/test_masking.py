"""Credentials are masked wherever they are logged or shown (issue 10, finding 6)."""

import logging

import pytest

from moderation.logs import configure_logging
from moderation.masking import mask_credentials


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://user:p%40ss@cache/1", "rediss://user:***@cache/1"),
        (
            "postgresql+psycopg://modq:s3cr3t@db:5432/modq",
            "postgresql+psycopg://modq:***@db:5432/modq",
        ),
        (
            "Redis at redis://:pw@h:1/0 does not answer (Error 111)",
            "Redis at redis://:***@h:1/0 does not answer (Error 111)",
        ),
        (
            "postgresql://db/modq?user=a&password=x1&sslmode=on",
            "postgresql://db/modq?user=a&password=***&sslmode=on",
        ),
        ("https://e.org/x?token=abc#f", "https://e.org/x?token=***#f"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        (
            "mailto:someone@example.org and http://host:80/a",
            "mailto:someone@example.org and http://host:80/a",
        ),
    ],
)
def test_urls_lose_their_passwords_and_nothing_else(text: str, masked: str) -> None:
    assert mask_credentials(text) == masked


def test_log_lines_and_tracebacks_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO")
    log = logging.getLogger("tests.masking")
    with caplog.at_level(logging.INFO):
        log.warning("broker %s is down", "redis://:hunter2@cache:6379/0")
        try:
            raise ConnectionError("cannot reach postgresql://modq:s3cr3t@db/modq")
        except ConnectionError:
            log.exception("database gone")
    text = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "hunter2" not in text and "s3cr3t" not in text
    assert "redis://:***@cache:6379/0" in text and "postgresql://modq:***@db/modq" in text
