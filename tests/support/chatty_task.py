"""A task that writes in every way a library might, for the end-to-end test that a worker's log
holds only JSON; a worker loads it with `--include tests.support.chatty_task`."""

from __future__ import annotations

import sys
import warnings

from celery import shared_task
from celery.utils.log import get_task_logger

CHATTY_TASK = "modq.test.chatty"
SAID = {
    "printed": "printed by a task",
    "written": "written to standard error by a task",
    "warned": "warned by a task",
    "logged": "logged on Celery's task logger",
}


@shared_task(name=CHATTY_TASK)
def chatty() -> None:
    """Print, write to standard error, warn and log on a logger under 'celery.task'."""
    print(SAID["printed"])
    print(SAID["written"], file=sys.stderr)
    warnings.warn(SAID["warned"], UserWarning, stacklevel=1)
    get_task_logger(__name__).warning(SAID["logged"])
