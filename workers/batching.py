"""Scoring in batches: a worker takes up to N queued comments, or what arrived after T ms.

Built on celery-batches, which buffers task messages in the worker and hands them to one task
run as a list. Added here:
- the batch size and wait come from our settings;
- a batch is handed to the pool only when a pool slot (a process, or a thread of the threads
  pool the scoring role runs) is free, and chosen then from
  everything buffered, fairly: every author's first comment before anyone's second, and the
  backlog queue's (authors over their fair share) after all the rest. So a burst is scored in
  full batches, a lone comment still waits at most T, and a comment that arrives behind one
  author's flood is in the next batch;
- when a batch finishes, what arrived meanwhile is handed over at once, not at the next tick
  of the T timer (a comment that came in while the pool was busy has waited long enough);
- a batch lost with its worker process goes back to the queue, as `task_reject_on_worker_lost`
  does for ordinary tasks (celery-batches alone leaves those messages unacknowledged until the
  worker restarts);
- after a broker reconnect the wait timer is armed again: Celery's event loop empties its timer
  queue when the connection fails, and celery-batches, which arms its timer only while it holds
  none, would otherwise keep the dead one and flush only when N messages had piled up.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from billiard.einfo import ExceptionInfo
from billiard.exceptions import WorkerLostError
from celery.app import Celery
from celery.worker.consumer import Consumer
from celery.worker.request import Request
from celery_batches import Batches, SimpleRequest
from celery_batches.trace import apply_batches_task

from moderation.comments.intake import QueueEntry
from workers.celery_app import BACKLOG_QUEUE

log = logging.getLogger(__name__)


class Message(Protocol):
    """What a scoring message shows of itself (a worker Request or a SimpleRequest)."""

    @property
    def args(self) -> Any: ...

    @property
    def kwargs(self) -> Any: ...

    @property
    def delivery_info(self) -> Any: ...


M = TypeVar("M", bound=Message)


def queue_entry(message: Message) -> QueueEntry:
    """The queue entry a scoring message carries: the comment, its author, its queue."""
    routing_key = (message.delivery_info or {}).get("routing_key")
    author = str(message.kwargs.get("author", ""))
    return QueueEntry(str(message.args[0]), author, deferred=routing_key == BACKLOG_QUEUE)


def fair_order(messages: Sequence[M]) -> list[M]:
    """Messages in arrival order, reordered so that every author's first comment comes before
    anyone's second (and so on), and the backlog's after everything else."""
    rank: Counter[tuple[bool, str]] = Counter()
    keyed = []
    for position, message in enumerate(messages):
        entry = queue_entry(message)
        group = (entry.deferred, entry.author_id or entry.comment_id)  # old messages: alone
        rank[group] += 1
        keyed.append(((entry.deferred, rank[group], position), message))
    return [message for _, message in sorted(keyed, key=lambda pair: pair[0])]


def batch_ids(requests: Collection[Request | SimpleRequest]) -> dict[str, Any]:
    """The ids a batch's log lines carry: its comments, their task messages, and a batch id
    derived from those, the same in the worker's main process and in its pool process."""
    task_ids = [str(r.id) for r in requests]
    digest = hashlib.sha256(",".join(sorted(task_ids)).encode()).hexdigest()[:16]
    return {
        "batch_id": digest,
        "comment_ids": [str(r.args[0]) for r in requests],
        "task_ids": task_ids,
    }


def on_raise(running: Any, on_error: Callable[[ExceptionInfo], None]) -> None:
    """Call `on_error` if the pool's call raises. Celery's threads pool ignores its
    error_callback: a batch that raised outside its task (a signal receiver) would stay in
    flight and unacknowledged for ever, and two such would stop the worker taking batches."""
    future = getattr(running, "f", None)  # the threads pool's Future; other pools report
    if isinstance(future, Future):

        def check(done: Future[Any]) -> None:
            error = done.exception()
            if error is not None:
                on_error(ExceptionInfo((type(error), error, error.__traceback__)))

        future.add_done_callback(check)


class ScoringBatches(Batches):  # type: ignore[misc]
    """A batch task whose size and wait are settings, and whose batches survive worker loss."""

    in_flight = 0  # batches handed to the pool and not finished, in this worker process
    _tref: Any  # celery-batches' flush timer entry, or None while it holds none
    _consumer: Any = None  # the worker's consumer (its event loop), once one has started

    @property
    def flush_every(self) -> int:
        """Most comments per batch (MODQ_BATCH_MAX_COMMENTS)."""
        return int(self.app.context.settings.batch_max_comments)

    @property
    def flush_interval(self) -> float:
        """Longest wait for a batch to fill, in seconds (MODQ_BATCH_WAIT_MS)."""
        return float(self.app.context.settings.batch_wait_ms) / 1000

    def __init__(self) -> None:
        super().__init__()
        self._arrival: dict[str, int] = {}  # task id -> order of arrival, while buffered
        self._next = itertools.count()
        # With the threads pool a batch ends in a pool thread while the event loop starts the
        # next: the count of batches in flight changes in both.
        self._counting = threading.Lock()

    def _change_in_flight(self, change: int) -> None:
        with self._counting:
            self.in_flight += change

    def Strategy(self, task: Batches, app: Celery, consumer: Consumer) -> Callable[..., None]:
        """The message handler, built at every (re)connection of the worker's consumer."""
        # A (re)started consumer means a fresh event loop: the timer entry we hold, if any,
        # was cleared with the old loop and will never fire again. Forget it, so the next
        # message arms a new one, and arm it now if messages are already waiting.
        if self._tref is not None:
            self._tref.cancel()
            self._tref = None
        self._consumer = consumer
        handler: Callable[..., None] = super().Strategy(task, app, consumer)
        if self._buffer.qsize() or self._pending.qsize():
            self._tref = consumer.timer.call_repeatedly(self.flush_interval, self._do_flush)
        return handler

    def _pool_size(self) -> int:
        return int(getattr(self._pool, "num_processes", 1) or 1)

    def _do_flush(self) -> None:
        # celery-batches calls this on every timer tick and when N messages are buffered.
        # While every pool process is busy, keep gathering: the next batch is chosen when one
        # is free, from everything that has arrived by then.
        if self.in_flight >= self._pool_size():
            return
        super()._do_flush()

    def flush(self, requests: Collection[Request]) -> Any:
        """Hand the free pool processes a batch of at most N each, fairest first; the rest
        wait in the buffer's pending queue (which keeps the flush timer running)."""
        for request in requests:
            self._arrival.setdefault(request.id, next(self._next))
        waiting = fair_order(sorted(requests, key=lambda r: self._arrival[r.id]))
        while waiting and self.in_flight < self._pool_size():
            batch, waiting = waiting[: self.flush_every], waiting[self.flush_every :]
            for request in batch:
                del self._arrival[request.id]
            self._run(batch)
        for request in waiting:
            self._pending.put(request)

    def _run(self, batch: list[Request]) -> None:
        """Run one batch; acknowledge it when done, requeue it if its process dies."""

        def on_done(_result: Any) -> None:
            self._change_in_flight(-1)
            for request in batch:
                request.acknowledge()
            self._flush_soon()

        def on_error(exc_info: Any) -> None:
            self._change_in_flight(-1)
            kind = getattr(exc_info, "type", None)  # billiard's ExceptionInfo wraps the exception
            lost = isinstance(kind, type) and issubclass(kind, WorkerLostError)
            log.error(
                "batch of %d %s",
                len(batch),
                "lost with its worker: requeued" if lost else "failed",
                extra=ids,
            )
            for request in batch:
                request.reject(requeue=True) if lost else request.acknowledge()
            self._flush_soon()

        ids = batch_ids(batch)
        log.info("batch of %d comments handed to a pool process", len(batch), extra=ids)
        self._change_in_flight(+1)
        simple = ([SimpleRequest.from_request(r) for r in batch],)
        running = self._pool.apply_async(
            apply_batches_task, (self, simple, 0, None), callback=on_done, error_callback=on_error
        )
        on_raise(running, on_error)

    def _flush_soon(self) -> None:
        """Hand over what waits as soon as the event loop is free: a pool slot just was."""
        # Through the event loop, not directly: with the solo pool this callback runs inside
        # the flush that started the batch, and with the threads pool in a pool thread.
        # call_soon is the loop's thread-safe entry (it wakes the loop); its timer is not.
        if self._consumer is not None and (self._buffer.qsize() or self._pending.qsize()):
            self._consumer.call_soon(self._do_flush)
