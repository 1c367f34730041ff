"""The dashboard's figures: outcomes per day, automation, the queue rebuilt from decisions,
time to decision and per-moderator figures; the page draws them and exports CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.db import utcnow
from moderation.decisions.review import decide_as_moderator, override
from moderation.kinds import Action, Role
from moderation.learning import dashboard
from moderation.models import Decision
from tests.conftest import MODERATOR_PASSWORD
from tests.support.workspace import in_review, waiting


def test_outcomes_automation_queue_and_moderators(session: Session) -> None:
    alice = accounts.create_moderator(session, "alice", MODERATOR_PASSWORD, role=Role.MODERATOR)
    reviewed = [waiting(session, f"waits {i}", age=timedelta(minutes=30)) for i in range(3)]
    for comment in reviewed:  # the policy's decisions that sent them to review
        session.add(
            Decision(comment_id=comment.id, action=Action.REVIEW, created_at=comment.created_at)
        )
    auto = waiting(session, "auto", status="published")
    session.add(Decision(comment_id=auto.id, action=Action.PUBLISH, created_at=auto.created_at))
    session.commit()
    decide_as_moderator(session, reviewed[0].id, alice, Action.REJECT)
    decide_as_moderator(session, reviewed[1].id, alice, Action.PUBLISH)
    override(session, reviewed[1].id, alice, Action.REJECT)
    now = utcnow()
    start, end = now - timedelta(days=1), now + timedelta(minutes=1)

    [today] = [d for d in dashboard.days(session, start, end) if d.day == now.date()]
    assert today.outcomes["rejected"] == 2 and today.outcomes["review"] == 1
    assert (today.automatic, today.reviewed, today.automation_rate) == (1, 3, 0.25)
    assert today.median_wait is not None and 29 < today.median_wait < 32

    samples = dashboard.queue_over_time(session, now - timedelta(hours=1), now, points=4)
    assert [n for _, n, _ in samples] == [0, 0, 3, 3, 1]
    assert 29 < samples[-1][2] < 32  # the one left has waited half an hour

    [figures] = dashboard.moderators(session, start, end)
    assert (figures.username, figures.decisions, figures.overridden) == ("alice", 3, 1)
    assert figures.per_hour >= 1 and figures.undo_rate == 0


def test_the_page_draws_and_the_csv_exports(app: Flask, logged_in: FlaskClient) -> None:
    in_review(app, "waiting <here>")
    html = logged_in.get("/review/dashboard/").get_data(as_text=True)
    assert html.count("<svg") >= 6 and "<script" not in html.split("<main>")[1].split("</main>")[0]
    day = utcnow().strftime("%Y-%m-%d")
    rows = list(
        csv.reader(
            io.StringIO(
                logged_in.get(f"/review/dashboard/export.csv?since={day}&until={day}").get_data(
                    as_text=True
                )
            )
        )
    )
    assert rows[0][:5] == ["day", "published", "rejected", "review", "pending"]
    assert rows[1][0] == day and rows[1][3] == "1"
    people = logged_in.get("/review/dashboard/export.csv?table=moderators")
    assert people.headers["Content-Disposition"].startswith('attachment; filename="modq-moderators')
    assert logged_in.get("/review/dashboard/?since=2026-12-01&until=2026-01-01").status_code == 400
    assert logged_in.get("/review/dashboard/export.csv?table=people").status_code == 400
