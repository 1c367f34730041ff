"""What the chaos run checks once the queue has drained: every accepted comment stored once,
none pending, exactly one automatic decision each, the status it set, and an audit log that says
the same; plus the counts and timings it reports."""

from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.chaos_load import Submission
from moderation.kinds import STATUS_AFTER, Action, CommentStatus


@dataclass
class Outcome:
    """The counts, the problems found (none if all is well) and submit-to-decision times."""

    counts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    reasons: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The outcome as printed."""
        counts = ", ".join(f"{name} {value}" for name, value in self.counts.items())
        statuses = ", ".join(f"{name} {value}" for name, value in sorted(self.statuses.items()))
        reasons = ", ".join(f"{code} {n}" for code, n in self.reasons.most_common())
        return [
            counts,
            f"statuses: {statuses}",
            f"reasons: {reasons}",
            *(f"PROBLEM: {p}" for p in self.problems),
        ]


def check(database_url: str, submissions: list[Submission], logs: Path) -> Outcome:
    """Compare what the client was told with what the database holds."""
    accepted = {s.comment_id: s for s in submissions if s.comment_id}
    outcome = Outcome()
    outcome.problems += [f"comment {s.n} never accepted: {s.error}" for s in submissions if s.error]
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = _rows(connection)
    finally:
        engine.dispose()
    _check_rows(rows, accepted, outcome)
    outcome.reasons = rows["reasons"]
    outcome.counts = {
        "submitted": len(submissions),
        "accepted": len(accepted),
        "retried submissions": sum(s.attempts > 1 for s in submissions),
        "replayed (Idempotent-Replayed)": sum(s.replayed for s in submissions),
        "stored": len(rows["comments"]),
        "automatic decisions": sum(len(v) for v in rows["decisions"].values()),
        **_from_logs(logs),
    }
    return outcome


def _rows(connection: sa.Connection) -> dict[str, Any]:
    comments = {
        r.id: r for r in connection.execute(sa.text("SELECT id, status, decided_at FROM comments"))
    }
    decisions: dict[str, list[str]] = collections.defaultdict(list)
    reasons: collections.Counter[str] = collections.Counter()
    query = "SELECT comment_id, action, reasons FROM decisions WHERE moderator_id IS NULL"
    for comment_id, action, given in connection.execute(sa.text(query)):
        decisions[comment_id].append(action)
        given = json.loads(given) if isinstance(given, str) else given
        reasons.update(reason["code"] for reason in given or [])
    audit: dict[tuple[str, str], list[Any]] = collections.defaultdict(list)
    query = "SELECT action, subject_id, data FROM audit_log WHERE subject_type = 'comment'"
    for event, subject, data in connection.execute(sa.text(query)):
        audit[(event, subject)].append(json.loads(data) if isinstance(data, str) else data)
    return {"comments": comments, "decisions": decisions, "audit": audit, "reasons": reasons}


def _check_rows(rows: dict[str, Any], accepted: dict[str, Submission], outcome: Outcome) -> None:
    comments, decisions, audit = rows["comments"], rows["decisions"], rows["audit"]
    problems = outcome.problems
    if missing := set(accepted) - set(comments):
        problems.append(f"{len(missing)} accepted comments are not stored (lost)")
    if extra := set(comments) - set(accepted):
        problems.append(f"{len(extra)} stored comments were never acknowledged to the client")
    for comment_id, row in comments.items():
        problems += _comment_problems(comment_id, row, decisions[comment_id], audit)
        outcome.statuses[row.status] = outcome.statuses.get(row.status, 0) + 1
        if row.decided_at is not None and comment_id in accepted:
            outcome.latencies.append(row.decided_at.timestamp() - accepted[comment_id].first_try)
    del problems[50:]  # enough to see what went wrong


def _comment_problems(
    comment_id: str, row: Any, actions: list[str], audit: dict[tuple[str, str], list[Any]]
) -> list[str]:
    found = []
    if row.status == CommentStatus.PENDING:
        found.append(f"{comment_id} is still pending")
    if len(actions) != 1:
        found.append(f"{comment_id} has {len(actions)} automatic decisions")
    elif STATUS_AFTER[Action(actions[0])] != row.status:
        found.append(f"{comment_id} is {row.status} but was decided {actions[0]}")
    if len(audit[("comment.created", comment_id)]) != 1:
        found.append(f"{comment_id}: {len(audit[('comment.created', comment_id)])} created entries")
    decided = audit[("comment.decided", comment_id)]
    if [entry.get("action") for entry in decided] != actions:
        found.append(f"{comment_id}: audit says {decided}, decisions say {actions}")
    return found


def _from_logs(folder: Path) -> dict[str, int]:
    """Requeued comments and duplicate deliveries, from the workers' JSON logs."""
    requeued = duplicates = 0
    for path in folder.glob("worker*.log"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # Celery prints a few plain lines (its shutdown) on standard output
            if entry.get("message", "").startswith("requeued "):
                requeued += len(entry.get("comment_ids", []))
            elif entry.get("message", "").startswith("scored "):
                duplicates += int(entry["message"].split("(")[1].split()[0])
    return {"requeued by the sweep": requeued, "duplicate deliveries skipped": duplicates}
