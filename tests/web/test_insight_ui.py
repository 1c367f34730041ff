"""Moderators' spot-check, stats and author pages; /metrics."""

import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from moderation.audit import history
from moderation.decisions.authors import standings
from moderation.kinds import Action
from moderation.learning.models import DriftAlert
from moderation.models import Comment, Moderator
from tests.conftest import csrf_token, log_in
from tests.learning.test_learning import decided
from tests.support.workspace import script_post
from tests.web.test_review_ui import queued_comment


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/review/spot-checks"),
        ("get", "/review/stats"),
        ("post", "/review/spot-checks/abc"),
        ("post", "/review/authors/premoderation"),
        ("post", "/review/authors/reject-all"),
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
        "/review/authors/premoderation",
        data={"author_id": "reader-9", "on": "1", "csrf_token": csrf_token(client, "/review/")},
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


@pytest.mark.parametrize("author_id", ["site/42", "../x", "a?b#c", "100%/..", "sp ace"])
def test_any_author_id_can_be_premoderated_from_the_queue(
    app: Flask, client: FlaskClient, moderator: Moderator, author_id: str
) -> None:
    # Issue 10, finding 7: an author id with `/` made the queue's button post to a 404.
    client.put("/api/v1/articles/a1", json={"title": "T", "url": "https://e.org/a", "body": "E."})
    comment_id = queued_comment(app, client, "Energy talks.")
    with app.extensions["modq"].session_factory() as session:
        session.get(Comment, comment_id).author_id = author_id  # type: ignore[union-attr]
        session.commit()
    log_in(client)
    html = script_post(client, f"/review/comments/{comment_id}/open").get_json()["card"]
    form = re.search(r'action="([^"]+)" class="author-form">(.*?)</form>', html, re.S)
    assert form is not None
    fields = re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2))
    response = client.post(
        unescape(form.group(1)), data={name: unescape(value) for name, value in fields}
    )
    assert response.status_code == 302
    with app.extensions["modq"].session_factory() as session:
        assert standings(session, [author_id])[author_id].premoderated


def flood(app: Flask, client: FlaskClient) -> list[str]:
    """Three comments of one author waiting (one in review), and one of someone else."""
    client.put("/api/v1/articles/a1", json={"title": "T", "url": "https://e.org/a", "body": "B."})
    ids = [
        client.post(
            "/api/v1/comments",
            json={"article_id": "a1", "body": body, "author": {"id": author, "name": author}},
        ).get_json()["id"]
        for body, author in [
            ("One.", "flooder"),
            ("Two.", "flooder"),
            ("Three.", "flooder"),
            ("Mine.", "reader"),
        ]
    ]
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id == ids[0]).values(status="review"))
        session.commit()
    return ids


def test_a_moderator_rejects_everything_waiting_from_an_author_after_confirming(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    ids = flood(app, client)
    log_in(client)
    card = script_post(client, f"/review/comments/{ids[0]}/open").get_json()["card"]
    assert (
        'action="/review/authors/reject-all"' in card and 'name="author_id" value="flooder"' in card
    )
    form = {"author_id": "flooder", "site_id": "1", "csrf_token": csrf_token(client, "/review/")}
    asked = client.post("/review/authors/reject-all", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and '<strong id="reject-all-total">3</strong>' in page
    assert "2 pending, 1 in review" in page
    with app.extensions["modq"].session_factory() as session:
        assert session.get(Comment, ids[1]).status == "pending", "nothing changes before confirming"
    done = client.post(
        "/review/authors/reject-all", data={**form, "confirm": "yes", "note": "spam run"}
    )
    assert done.status_code == 302
    assert "Rejected 3 comments by flooder." in client.get("/review/").get_data(as_text=True)
    with app.extensions["modq"].session_factory() as session:
        statuses = [session.get(Comment, i).status for i in ids]
        entries = [history(session, "comment", i)[-1] for i in ids[:3]]
    assert statuses == ["rejected", "rejected", "rejected", "pending"]
    assert {(e.action, e.actor, e.data["note"]) for e in entries} == {
        ("comment.decided", "moderator:alice", "spam run")
    }


def test_reject_all_needs_a_csrf_token_and_a_site(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    flood(app, client)
    log_in(client)
    no_token = client.post(
        "/review/authors/reject-all",
        data={"author_id": "flooder", "site_id": "1", "confirm": "yes"},
    )
    assert no_token.status_code == 400
    bad_site = client.post(
        "/review/authors/reject-all",
        data={"author_id": "flooder", "site_id": "x", "csrf_token": csrf_token(client, "/review/")},
    )
    assert bad_site.status_code == 400
    with app.extensions["modq"].session_factory() as session:
        assert {c.status for c in session.query(Comment)} == {"pending", "review"}


def test_modq_author_reject_all(app: Flask, client: FlaskClient, moderator: Moderator) -> None:
    ids = flood(app, client)
    runner = app.test_cli_runner()
    nobody = runner.invoke(args=["author", "reject-all", "flooder", "--moderator", "mallory"])
    assert nobody.exit_code != 0 and "no active moderator named 'mallory'" in nobody.output
    declined = runner.invoke(
        args=["author", "reject-all", "flooder", "--moderator", "alice"], input="n\n"
    )
    assert "Reject 3 comments of flooder (2 pending, 1 review)?" in declined.output
    assert declined.exit_code != 0
    done = runner.invoke(
        args=["author", "reject-all", "flooder", "--moderator", "alice", "--site", "test", "--yes"]
    )
    assert done.exit_code == 0 and "flooder: rejected 3 comments" in done.output
    with app.extensions["modq"].session_factory() as session:
        assert [session.get(Comment, i).status for i in ids] == ["rejected"] * 3 + ["pending"]
        assert session.get(Comment, ids[1]).decisions[-1].decider_name == "alice"


def test_only_an_admin_stops_pre_moderating_an_author(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    token = csrf_token(client, "/review/")
    form = {"author_id": "reader-9", "csrf_token": token}
    client.post("/review/authors/premoderation", data={**form, "on": "1"})
    refused = client.post("/review/authors/premoderation", data={**form, "on": "0"})
    assert refused.status_code == 403
    with app.extensions["modq"].session_factory() as session:
        assert standings(session, ["reader-9"])["reader-9"].premoderated
