"""Scoring in batches: a worker takes up to N queued comments, or what arrived after T ms.

Built on celery-batches, which buffers task messages in the worker and hands them to one task
run as a list. Two things are added: the batch size and wait come from our settings, and a
batch lost with its worker process goes back to the queue, as `task_reject_on_worker_lost`
does for ordinary tasks (celery-batches alone leaves those messages unacknowledged until the
worker restarts).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from billiard.exceptions import WorkerLostError
from celery.worker.request import Request
from celery_batches import Batches, SimpleRequest
from celery_batches.trace import apply_batches_task

log = logging.getLogger(__name__)


class ScoringBatches(Batches):  # type: ignore[misc]
    """A batch task whose size and wait are settings, and whose batches survive worker loss."""

    @property
    def flush_every(self) -> int:
        """Most comments per batch (MODQ_BATCH_MAX_COMMENTS)."""
        return int(self.app.context.settings.batch_max_comments)

    @property
    def flush_interval(self) -> float:
        """Longest wait for a batch to fill, in seconds (MODQ_BATCH_WAIT_MS)."""
        return float(self.app.context.settings.batch_wait_ms) / 1000

    def flush(self, requests: Collection[Request]) -> Any:
        """Run the batch in the pool; acknowledge it when done, requeue it if the process dies."""
        batch = list(requests)

        def on_done(_result: Any) -> None:
            for request in batch:
                request.acknowledge()

        def on_error(exc_info: Any) -> None:
            kind = getattr(exc_info, "type", None)  # billiard's ExceptionInfo wraps the exception
            lost = isinstance(kind, type) and issubclass(kind, WorkerLostError)
            log.error(
                "batch of %d %s", len(batch), "lost with its worker: requeued" if lost else "failed"
            )
            for request in batch:
                request.reject(requeue=True) if lost else request.acknowledge()

        simple = ([SimpleRequest.from_request(r) for r in batch],)
        return self._pool.apply_async(
            apply_batches_task, (self, simple, 0, None), callback=on_done, error_callback=on_error
        )
