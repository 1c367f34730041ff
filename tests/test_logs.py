"""Log lines: JSON or text, the ids of the current context on each, credentials masked."""

from __future__ import annotations

import json
import logging

from moderation.config import load_settings
from moderation.logs import ContextFilter, Masker, log_context, make_formatter

SECRETS = ["s3cret-signing-key", "api-key-0123456789"]


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    made = logging.LogRecord("modq.test", logging.WARNING, __file__, 1, message, args, None)
    if exc is not None:
        made.exc_info = (type(exc), exc, exc.__traceback__)
    ContextFilter().filter(made)
    return made


def test_a_json_line_carries_the_context_ids_and_extra_fields() -> None:
    with log_context(batch_id="b1", comment_ids=["c1", "c2"], task_ids=["t1", "t2"]):
        line = make_formatter("json").format(record("scored %d comments", 2))
    entry = json.loads(line)
    assert entry["message"] == "scored 2 comments"
    assert entry["level"] == "WARNING" and entry["logger"] == "modq.test"
    assert (entry["batch_id"], entry["comment_ids"], entry["task_ids"]) == (
        "b1",
        ["c1", "c2"],
        ["t1", "t2"],
    )
    assert "\n" not in line


def test_ids_given_on_the_line_win_over_the_context() -> None:
    with log_context(comment_id="outer"):
        made = record("one comment")
        made.comment_id = "inner"
        ContextFilter().filter(made)
    assert json.loads(make_formatter("json").format(made))["comment_id"] == "inner"


def test_url_passwords_and_secret_values_never_appear() -> None:
    url = "postgresql+psycopg://modq:hunter2pw@db:5432/modq"
    try:
        raise ConnectionError(f"cannot reach {url} with api-key-0123456789")
    except ConnectionError as exc:
        failure = exc
    for fmt in ("json", "text"):
        line = make_formatter(fmt, SECRETS).format(
            record("broker %s key %s", "redis://:r3dis-pw@cache:6379/0", SECRETS[0], exc=failure)
        )
        for secret in ("hunter2pw", "r3dis-pw", *SECRETS):
            assert secret not in line, (fmt, line)
        assert "redis://:***@cache:6379/0" in line and "modq:***@db" in line


def test_the_text_format_shows_the_ids_in_brackets() -> None:
    with log_context(comment_id="c9", task_id="t9"):
        line = make_formatter("text").format(record("giving up"))
    assert line.endswith("giving up [comment_id=c9 task_id=t9]")


def test_settings_name_their_secrets_including_url_passwords() -> None:
    settings = load_settings(
        {},
        database_url="postgresql+psycopg://modq:p%40ss-word@db/modq",
        redis_url="redis://:r3dis-pw@cache:6379/0",
        secret_key="k" * 32,
    )
    found = settings.secret_values()
    assert {"p%40ss-word", "p@ss-word", "r3dis-pw", "k" * 32} <= set(found)
    assert Masker(found)("password p@ss-word leaked") == "password *** leaked"
