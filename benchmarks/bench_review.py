"""Server time of the moderators' workspace on PostgreSQL with 10,000 comments waiting.

    python -m benchmarks.bench_review [--waiting 10000] [--decided 40000] [--rounds 300]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

A throw-away database gets `--waiting` comments in review (each with a Detoxify signal, the
policy's decision and its stored priority) and `--decided` published or rejected ones, on 200
articles. Through Flask's test client (no network, so the time is the server's):

1. decide-and-next: one POST that rejects the card in focus, claims the next comment of the
   review queue and renders its card with its full context;
2. the queue page, unfiltered and with filters (reason, section, article, a Detoxify label
   above a value, an author, full-text search).

Both are measured with every index, then again without `ix_comments_status_priority` to show
what that index does. Prints p50 and p95 in milliseconds, the median CPU time of the web side
(which a busy machine does not inflate), the page sizes, and the plan of the query that picks
the next card.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from moderation import accounts
from moderation.config import load_settings
from moderation.db import make_engine, upgrade, utcnow
from moderation.decisions.priority import priority_value, reason_codes
from moderation.kinds import Action, CommentStatus, Role
from moderation.models import Article, Comment, Decision, Moderator, Signal
from web import create_app

PASSWORD = "correct horse battery"
ARTICLES = 200
CODES = ("abusive", "insult", "threat", "off_topic", "spam", "pre_moderated", "language")
RARE = "harbour"  # in about 1% of comments: what a moderator searches for
FILTERS = {
    "no filter": "",
    "reason": "reason=insult",
    "section": "section=world",
    "article": "article=a7",
    "label above": "label=threat&above=0.8",
    "author": "author=u42",
    "search": f"text={RARE}",
    "oldest first": "order=oldest",
}
WORDS = "energy minister ships trade prices bread strike tax school idiot fool the a is".split()


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A fresh, migrated database, dropped afterwards."""
    name = f"modq_bench_review_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(url: str, waiting: int, decided: int, rng: random.Random) -> None:
    """Articles, comments in review with signals and decisions, and decided comments."""
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Article),
            [
                {
                    "external_id": f"a{i}",
                    "url": f"https://news.example.org/{i}",
                    "title": f"Article {i}",
                    "body": " ".join(rng.choices(WORDS, k=80)),
                    "section": rng.choice(["World", "Politics", "Sport", "Culture"]),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(ARTICLES)
            ],
        )
        rows = [_comment(i, i < waiting, now, rng) for i in range(waiting + decided)]
        for start in range(0, len(rows), 5000):
            connection.execute(
                sa.insert(Comment), [r["comment"] for r in rows[start : start + 5000]]
            )
            connection.execute(sa.insert(Signal), [r["signal"] for r in rows[start : start + 5000]])
            connection.execute(
                sa.insert(Decision), [r["decision"] for r in rows[start : start + 5000]]
            )
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


def _comment(i: int, in_review: bool, now: Any, rng: random.Random) -> dict[str, Any]:
    created = now - timedelta(minutes=rng.uniform(0, 90 if in_review else 60 * 24 * 7))
    scores = {label: round(rng.random() ** 3, 3) for label in ("toxicity", "insult", "threat")}
    codes = tuple(rng.sample(CODES, 2))
    status = (
        CommentStatus.REVIEW
        if in_review
        else rng.choice([CommentStatus.PUBLISHED, CommentStatus.REJECTED])
    )
    weight = max(scores.values()) + 0.05
    comment_id = f"{i:032x}"
    return {
        "comment": {
            "id": comment_id,
            "article_id": rng.randint(1, ARTICLES),
            "author_id": f"u{rng.randint(1, 3000)}",
            "author_name": f"Reader {i}",
            "body": " ".join(rng.choices(WORDS, k=rng.randint(8, 60)))
            + (f" {RARE}" if rng.random() < 0.01 else ""),
            "status": status,
            "created_at": created,
            "decided_at": created,
            "queued_at": created,
            "priority": priority_value(created, weight) if in_review else None,
            "priority_why": f"toxicity {weight:.2f} · 3 comments on the article in the last hour",
            "reason_codes": reason_codes(codes),
            "language": "en",
            "detoxify_scores": scores,
        },
        "signal": {
            "comment_id": comment_id,
            "scorer": "detoxify",
            "version": "bench",
            "state": "ok",
            "scores": scores,
            "details": {},
            "duration_ms": 1.0,
            "created_at": created,
        },
        "decision": {
            "comment_id": comment_id,
            "action": Action.REVIEW if in_review else Action.PUBLISH,
            "reasons": [{"code": c, "message": f"{c} found", "public": ""} for c in codes],
            "policy_version": "bench",
            "created_at": created,
        },
    }


def timed(call: Callable[[], Any], rounds: int) -> tuple[float, float, float, int]:
    """p50 and p95 in milliseconds of `rounds` calls, the median CPU time the web side used
    (not inflated by waiting for a core on a busy machine), and the size of the last answer."""
    spent, cpu, size = [], [], 0
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = call()
        spent.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.thread_time() - start_cpu))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        size = len(response.get_data())
    spent.sort()
    return (
        statistics.median(spent),
        spent[int(0.95 * (len(spent) - 1))],
        statistics.median(cpu),
        size,
    )


def measure(url: str, rounds: int) -> dict[str, tuple[float, float, float, int]]:
    """Decide-and-next and the queue pages, as one logged-in moderator."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({}, database_url=url, var_dir=Path(folder), secret_key="bench")
        app = create_app(settings, {"WTF_CSRF_ENABLED": False})
        with app.extensions["modq"].session_factory() as session:
            if not session.scalar(sa.select(sa.func.count()).select_from(Moderator)):
                accounts.create_moderator(session, "alice", PASSWORD, role=Role.ADMIN)
        client = app.test_client()
        client.post("/login", data={"username": "alice", "password": PASSWORD})
        json = {"Accept": "application/json"}
        card = client.post("/review/next", headers=json).get_json()["comment_id"]
        figures: dict[str, tuple[float, float, float, int]] = {}

        def decide_and_next() -> Any:
            nonlocal card
            response = client.post(
                f"/review/comments/{card}/decision",
                data={"action": "reject", "reason": "insult"},
                headers=json,
            )
            card = response.get_json()["comment_id"]
            return response

        figures["decide-and-next"] = timed(decide_and_next, rounds)
        for name, query in FILTERS.items():
            figures[f"queue page, {name}"] = timed(
                lambda q=query: client.get(f"/review/?{q}"), max(20, rounds // 5)
            )
        figures["live poll"] = timed(lambda: client.get("/review/live"), max(20, rounds // 5))
        app.extensions["modq"].engine.dispose()
    return figures


def next_card_plan(url: str) -> str:
    """PostgreSQL's plan for the query that picks the next card (priority part)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        plan = connection.execute(
            sa.text(
                "EXPLAIN SELECT id FROM comments WHERE status = 'review' "
                "AND created_at >= now() - interval '2 hours' AND NOT EXISTS (SELECT 1 FROM "
                "review_claims c WHERE c.comment_id = comments.id AND c.expires_at > now() "
                "AND c.moderator_id != 1) ORDER BY priority DESC, id LIMIT 1 "
                "FOR UPDATE OF comments SKIP LOCKED"
            )
        ).scalars()
        text = "\n".join(plan)
    engine.dispose()
    return text


def report(title: str, figures: dict[str, tuple[float, float, float, int]]) -> None:
    """Print one table of figures."""
    print(f"\n{title}\n{'':32} {'p50 ms':>8} {'p95 ms':>8} {'web CPU':>8} {'KB':>7}")
    for name, (p50, p95, cpu, size) in figures.items():
        print(f"{name:32} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {size / 1024:7.1f}")


def main() -> None:
    """Fill a database, measure with and without the priority index, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--decided", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "MODQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    with database(args.postgres_url) as url:
        fill(url, args.waiting, args.decided, random.Random(13))
        print(f"{args.waiting} comments in review, {args.decided} decided, PostgreSQL")
        print(next_card_plan(url))
        report("with ix_comments_status_priority", measure(url, args.rounds))
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_comments_status_priority"))
            connection.execute(sa.text("ANALYZE comments"))
        engine.dispose()
        print(next_card_plan(url))
        report("without it", measure(url, args.rounds))


if __name__ == "__main__":
    main()
