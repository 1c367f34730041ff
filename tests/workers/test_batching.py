"""How a worker orders what it has buffered before it picks a batch: every author's first
comment before anyone's second, the backlog after everything else."""

from __future__ import annotations

import threading

from billiard.einfo import ExceptionInfo
from celery.concurrency.thread import TaskPool
from celery_batches import SimpleRequest

from workers.batching import fair_order, on_raise, queue_entry
from workers.celery_app import BACKLOG_QUEUE, SCORE_QUEUE


def message(comment_id: str, author: str | None, queue: str = SCORE_QUEUE) -> SimpleRequest:
    kwargs = {"author": author} if author is not None else {}
    return SimpleRequest(
        comment_id,
        "modq.score_comment",
        [comment_id],
        kwargs,
        {"routing_key": queue},
        "worker",
        True,
        None,
        None,
        {},
    )


def order(messages: list[SimpleRequest]) -> list[str]:
    return [m.args[0] for m in fair_order(messages)]


def test_one_authors_run_of_comments_does_not_hold_back_the_others() -> None:
    flood = [message(f"a{n}", "flooder") for n in range(5)]
    arrived = [*flood[:3], message("b1", "reader"), *flood[3:], message("c1", "other")]
    assert order(arrived)[:3] == ["a0", "b1", "c1"], "each author's first comes first"
    assert order(arrived)[3:] == ["a1", "a2", "a3", "a4"], "then in arrival order"


def test_the_backlog_comes_after_everything_else() -> None:
    arrived = [
        message("late1", "flooder", BACKLOG_QUEUE),
        message("late2", "flooder", BACKLOG_QUEUE),
        message("x1", "reader"),
        message("x2", "reader"),
    ]
    assert order(arrived) == ["x1", "x2", "late1", "late2"]


def test_messages_without_an_author_are_each_their_own_group() -> None:
    arrived = [message("old1", None), message("old2", None), message("new", "reader")]
    assert order(arrived) == ["old1", "old2", "new"]


def test_a_message_says_which_queue_it_came_from() -> None:
    entry = queue_entry(message("c1", "u1", BACKLOG_QUEUE))
    assert (entry.comment_id, entry.author_id, entry.deferred) == ("c1", "u1", True)
    assert not queue_entry(message("c2", "u1")).deferred


def test_a_batch_that_raises_in_the_threads_pool_is_reported_as_failed() -> None:
    # Celery's threads pool drops error_callback: the batch stayed in flight, unacknowledged.
    pool = TaskPool(limit=1)
    pool.start()
    failed: list[ExceptionInfo] = []
    reported = threading.Event()

    def boom() -> None:
        raise RuntimeError("a signal receiver fell over")

    def on_error(info: ExceptionInfo) -> None:
        failed.append(info)
        reported.set()

    try:
        running = pool.apply_async(boom, callback=lambda _: None, error_callback=on_error)
        on_raise(running, on_error)
        assert reported.wait(5)
    finally:
        pool.stop()
    assert len(failed) == 1 and failed[0].type is RuntimeError
