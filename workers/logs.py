"""Task ids on worker log lines: from the task being run, or from Celery's own lines about a
task ("Task ...[id] received", "... succeeded")."""

from __future__ import annotations

import logging

from celery._state import get_current_task

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


def configure_worker_logging(level: str, fmt: str, secrets: list[str]) -> None:
    """The shared set-up, plus task ids on every line of a worker or beat process."""
    configure_logging(level, fmt, secrets)
    for handler in logging.getLogger().handlers:
        if getattr(handler, "modq", False) and not any(
            isinstance(f, TaskIdFilter) for f in handler.filters
        ):
            handler.addFilter(TaskIdFilter())
