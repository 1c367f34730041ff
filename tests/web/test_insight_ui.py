"""Moderators' spot-check, stats and author pages; /metrics."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import utcnow
from moderation.decisions.authors import standings
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action
from moderation.models import Comment, DriftAlert, Moderator, TopicLine
from tests.conftest import csrf_token, log_in
from tests.learning.test_learning import decided


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/review/spot-checks"),
        ("get", "/review/stats"),
        ("post", "/review/spot-checks/abc"),
        ("post", "/review/authors/u1/premoderation"),
    ],
)
def test_the_pages_need_login(client: FlaskClient, method: str, path: str) -> None:
    token = csrf_token(client)
    response = getattr(client, method)(path, data={"csrf_token": token, "verdict": "confirmed"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_moderator_overturns_an_automatic_decision(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    client.put(
        "/api/v1/articles/a1", json={"title": "T", "url": "https://e.org/a", "body": "Energy."}
    )
    with app.extensions["modq"].session_factory() as session:
        from tests.support import factories

        factories.article(session)
        comment_id = decided(session, 0.02, Action.PUBLISH, share=1.0)
    log_in(client)
    page = client.get("/review/spot-checks").get_data(as_text=True)
    assert comment_id in page and 'automatically <strong class="auto-publish">published' in page
    client.post(
        f"/review/spot-checks/{comment_id}",
        data={"verdict": "overturned", "csrf_token": csrf_token(client, "/review/")},
    )
    with app.extensions["modq"].session_factory() as session:
        assert session.get(Comment, comment_id).status == "rejected"
    assert "No automatic decision waits" in client.get("/review/spot-checks").get_data(as_text=True)
    bad = client.post(
        f"/review/spot-checks/{comment_id}",
        data={"verdict": "maybe", "csrf_token": csrf_token(client, "/review/")},
    )
    assert bad.status_code == 400


def test_a_moderator_premoderates_an_author(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    client.post(
        "/review/authors/reader-9/premoderation",
        data={"on": "1", "csrf_token": csrf_token(client, "/review/")},
    )
    with app.extensions["modq"].session_factory() as session:
        assert standings(session, ["reader-9"])["reader-9"].premoderated


def test_stats_show_calibration_and_drift(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    with app.extensions["modq"].session_factory() as session:
        session.add(DriftAlert(label="insult", psi=0.42, recent=80, baseline=900))
        session.commit()
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    assert "Calibration" in html and "insult: PSI 0.42" in html
    assert "Score drift on insult" in client.get("/review/").get_data(as_text=True)


def add_lines(app: Flask, *lines: tuple[str, float | None, int, int]) -> None:
    """Learned lines (section, line, comments, hours ago), as beat would store them."""
    now = utcnow()
    with app.extensions["modq"].session_factory() as session:
        session.add_all(
            TopicLine(
                section=section,
                line=line,
                share=0.03,
                comments=comments,
                scorer_version="semantic-3/m",
                computed_at=now - timedelta(hours=hours),
            )
            for section, line, comments, hours in lines
        )
        session.commit()


def test_stats_say_the_built_in_line_holds_until_enough_comments(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    assert "No line learned yet: the built-in line 0.1 holds" in client.get(
        "/review/stats"
    ).get_data(as_text=True)
    add_lines(app, ("", None, 57, 0))
    html = client.get("/review/stats").get_data(as_text=True)
    assert "57 comments were\n      published in the last 30 days, 200 are needed" in html


def test_stats_show_the_learned_lines_with_their_history(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    add_lines(
        app, ("", 0.12, 300, 48), ("", 0.2, 320, 24), ("", -0.05, 350, 0), ("Sport", 0.3, 210, 0)
    )
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    assert "<td>whole site</td><td>-0.050</td>" in html
    assert "<td>Sport</td><td>0.300</td>" in html
    assert html.count("<polyline") == 2
    # The site's history: its lowest point (-0.05, now) at the bottom right, highest at the top.
    assert 'points="4.0,16.8 120.0,4.0 236.0,44.0"' in html
    assert "-0.050 \N{EN DASH} 0.200" in html


def test_stats_say_when_moderators_publish_the_off_topic_flags(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    from tests.learning.test_topic_lines import scored

    with app.extensions["modq"].session_factory() as session:
        from tests.support import factories

        factories.article(session)
        for n in range(6):
            comment_id = scored(session, -0.5 - n / 100, Action.REVIEW, flagged=True)
            decide_as_moderator(
                session, comment_id, session.get(Moderator, moderator.id), Action.PUBLISH
            )
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    assert "published 6, rejected 0" in html
    assert "the line is\n      too strict for this site" in html
    assert "on_topic.max_flag_share: 0.0</code>" in html


def test_metrics_are_aggregate_numbers(app: Flask, client: FlaskClient) -> None:
    with app.extensions["modq"].session_factory() as session:
        session.add(DriftAlert(label="toxicity", psi=0.3, recent=80, baseline=900))
        session.commit()
    client.put("/api/v1/articles/a1", json={"title": "T", "url": "https://e.org/a", "body": "B."})
    client.post(
        "/api/v1/comments",
        json={"article_id": "a1", "body": "Hello there.", "author": {"id": "u", "name": "U"}},
    )
    text = client.get("/metrics").get_data(as_text=True)
    assert 'modq_comments{status="pending"} 1' in text
    assert 'modq_score_drift_psi{label="toxicity"} 0.3' in text
    assert "modq_spot_checks_open 0" in text
