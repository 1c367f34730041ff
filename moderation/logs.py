"""Logging set-up shared by every process."""

from __future__ import annotations

import logging
from typing import Any

from moderation.masking import mask_credentials

FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"


class MaskedRecord(logging.LogRecord):
    """A log record whose message and traceback have their credentials masked.

    Installed as the record factory rather than as a handler filter, so it holds for every
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


def configure_logging(level: str) -> None:
    """Log to stderr at `level`, once per process, credentials masked."""
    logging.setLogRecordFactory(MaskedRecord)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format=FORMAT)
    root.setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
