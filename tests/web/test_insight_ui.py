"""Moderators' spot-check, stats and author pages; /metrics."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.decisions.authors import standings
from moderation.kinds import Action
from moderation.models import Comment, DriftAlert, Moderator
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


def test_only_an_admin_stops_pre_moderating_an_author(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    token = csrf_token(client, "/review/")
    client.post("/review/authors/reader-9/premoderation", data={"on": "1", "csrf_token": token})
    refused = client.post(
        "/review/authors/reader-9/premoderation", data={"on": "0", "csrf_token": token}
    )
    assert refused.status_code == 403
    with app.extensions["modq"].session_factory() as session:
        assert standings(session, ["reader-9"])["reader-9"].premoderated
