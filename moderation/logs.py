"""Logging set-up shared by every process: plain text for development or one JSON object per
line for operators (MODQ_LOG_FORMAT), the ids of the current comment, batch and task on every
line, and credentials masked."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler
from typing import Any

from moderation.masking import MASK, mask_credentials

TEXT_FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"
# The ids a line can carry, in the order the text format shows them.
ID_FIELDS = ("comment_id", "comment_ids", "batch_id", "task_id", "task_ids")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_context: ContextVar[dict[str, Any]] = ContextVar("modq_log_context", default={})  # noqa: B039


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Every line logged inside the block carries these ids (unless it names its own)."""
    token = _context.set({**_context.get(), **ids})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the current context's ids onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class Masker:
    """Replaces URL passwords and the given secret values with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Short values would mask ordinary words; real secrets are long.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = mask_credentials(text)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


class MaskedRecord(logging.LogRecord):
    """A log record whose message and traceback have their credentials masked.

    Installed as the record factory rather than only in our formatters, so it holds for every
    handler, including those Celery's worker puts in place of ours.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.exc_info and not self.exc_text:
            traceback = logging.Formatter().formatException(self.exc_info)
            self.exc_text = mask_credentials(traceback)

    def getMessage(self) -> str:
        """The formatted message, credentials masked."""
        return mask_credentials(super().getMessage())


class TextFormatter(logging.Formatter):
    """The development format, with the record's ids appended in brackets."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__(TEXT_FORMAT)
        self.mask = mask

    def format(self, record: logging.LogRecord) -> str:
        """One masked line (plus a traceback, if any)."""
        line = super().format(record)
        ids = " ".join(f"{k}={_plain(v)}" for k in ID_FIELDS if (v := getattr(record, k, None)))
        return self.mask(f"{line} [{ids}]" if ids else line)


def _plain(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, process, message, the ids and any other
    fields given with `extra=`, and the traceback as one string."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        super().__init__()
        self.mask = mask

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON object, every string masked."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "pid": record.process,
            "message": record.getMessage(),
        }
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD and k[0] != "_"}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(self._masked(entry), ensure_ascii=False, default=str)

    def _masked(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self._masked(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._masked(v) for v in value]
        return value


def make_formatter(fmt: str, secrets: Iterable[str] = ()) -> logging.Formatter:
    """The formatter for MODQ_LOG_FORMAT `fmt` (json or text), masking `secrets`."""
    mask = Masker(secrets)
    return JsonFormatter(mask) if fmt == "json" else TextFormatter(mask)


def configure_logging(
    level: str | int, fmt: str = "text", secrets: Iterable[str] = (), logfile: str | None = None
) -> None:
    """Log to stderr (or to `logfile`) at `level` in format `fmt`: one handler per process, set
    up again (not added twice) when called again. A root logger that already has other handlers
    (a test runner's) keeps them."""
    logging.setLogRecordFactory(MaskedRecord)
    root = logging.getLogger()
    ours: list[logging.Handler] = [h for h in root.handlers if getattr(h, "modq", False)]
    if logfile is not None:  # a file given on the command line takes our handler's place
        for each in ours:
            root.removeHandler(each)
            each.close()
        ours = [_our_handler(WatchedFileHandler(logfile, encoding="utf-8"))]
    elif not ours and not root.handlers:
        ours = [_our_handler(logging.StreamHandler())]
    for each in ours:
        each.setFormatter(make_formatter(fmt, secrets))
        if each not in root.handlers:
            root.addHandler(each)
    root.setLevel(level)
    logging.captureWarnings(True)  # warnings become log lines, in the same format
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _our_handler(handler: logging.Handler) -> logging.Handler:
    handler.modq = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    return handler
