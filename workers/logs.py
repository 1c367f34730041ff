"""Worker and beat logging: our set-up in place of Celery's (every line in our format, to its
`--logfile` at its `--loglevel`), and task ids on the lines: from the task being run, or from
Celery's own lines about a task ("Task ...[id] received", "... succeeded")."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, signals
from celery._state import get_current_task
from celery.utils.log import get_multiprocessing_logger

from moderation.logs import configure_logging


class TaskIdFilter(logging.Filter):
    """Adds `task_id` to records about one task, when they do not carry one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "task_id", None) is None:
            task_id = _about(record)
            if task_id:
                record.task_id = task_id
        return True


def _about(record: logging.LogRecord) -> str | None:
    if isinstance(record.args, dict) and isinstance(task_id := record.args.get("id"), str):
        return task_id  # Celery's trace and strategy lines
    task = get_current_task()
    task_id = getattr(task.request, "id", None) if task is not None else None
    return task_id if isinstance(task_id, str) else None


def configure_worker_logging(
    level: str | int, fmt: str, secrets: list[str], logfile: str | None = None
) -> None:
    """The shared set-up, plus task ids on every line of a worker or beat process."""
    configure_logging(level, fmt, secrets, logfile)
    for handler in logging.getLogger().handlers:
        if getattr(handler, "modq", False) and not any(
            isinstance(f, TaskIdFilter) for f in handler.filters
        ):
            handler.addFilter(TaskIdFilter())


def own_celery_logging(app: Celery, fmt: str, secrets: list[str]) -> None:
    """Set up the logging of `celery worker` and `celery beat` ourselves.

    Left to itself, Celery gives the 'celery.task' logger and billiard's pool logger (which
    reports a pool process that died) handlers of their own, in Celery's text format, and only
    those write to `--logfile`. With a receiver of `setup_logging` it adds none, and leaves the
    redirection of standard output and error to the receiver too.
    """

    def setup(loglevel: int, logfile: str | None, **_: Any) -> None:
        configure_worker_logging(loglevel, fmt, secrets, logfile)
        _pool_logger_to_root(loglevel)
        if app.conf.worker_redirect_stdouts:  # what Celery does, with its setting
            app.log.redirect_stdouts(app.conf.worker_redirect_stdouts_level)

    signals.setup_logging.connect(setup, weak=False, dispatch_uid="modq.setup_logging")


def _pool_logger_to_root(loglevel: int) -> None:
    # Made through billiard, which sets `propagate` off only when it makes the logger; at
    # Celery's level for it (errors, unless MP_LOG asks for more).
    pool = get_multiprocessing_logger()
    if pool is not None:  # None without billiard, which the prefork pool needs anyway
        pool.propagate = True
        pool.setLevel(loglevel if os.environ.get("MP_LOG") else logging.ERROR)
