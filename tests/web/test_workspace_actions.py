"""Notes, sanctions and bulk actions through the test client."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from moderation.audit import history
from moderation.decisions.bulk import MAX_ITEMS
from moderation.decisions.models import Note, Sanction
from tests.conftest import csrf_token
from tests.support.workspace import in_review, script_post, status


def test_notes_on_a_comment_and_on_its_author_show_on_the_card(
    app: Flask, logged_in: FlaskClient
) -> None:
    only = in_review(app, "only", author_id="u7")
    script_post(logged_in, f"/review/comments/{only}/notes", body="checked <the> link")
    answer = script_post(
        logged_in, f"/review/comments/{only}/notes", body="posts at night", about="author"
    )
    card = answer.get_json()["card"]
    assert "checked &lt;the&gt; link" in card and "on the author: posts at night" in card
    with app.extensions["modq"].session_factory() as session:
        kept = {(n.subject_type, n.subject_id) for n in session.scalars(select(Note))}
        assert kept == {("comment", only), ("author", "u7")}
        assert history(session, "author", "u7")[-1].action == "author.noted"


def test_a_note_over_the_limit_is_an_error_not_a_cut(app: Flask, logged_in: FlaskClient) -> None:
    only = in_review(app, "only")
    too_long = script_post(logged_in, f"/review/comments/{only}/notes", body="x" * 1001)
    assert too_long.status_code == 422 and "1001 characters" in too_long.get_json()["message"]
    decision = script_post(
        logged_in, f"/review/comments/{only}/decision", action="publish", note="y" * 1001
    )
    assert decision.status_code == 422 and status(app, only) == "review"


def test_a_moderator_sanctions_and_only_an_admin_lifts(
    app: Flask, logged_in: FlaskClient, admin_client: FlaskClient
) -> None:
    only = in_review(app, "only", author_id="u7")
    answer = script_post(
        logged_in,
        "/review/authors/sanctions",
        author_id="u7",
        kind="suspend",
        reason="repeated insults",
        until="2099-01-01T10:00",
        comment_id=only,
    )
    assert answer.status_code == 200
    assert "u7: suspend until 2099-01-01 10:00 UTC" in answer.get_json()["message"]
    assert "repeated insults" in answer.get_json()["card"]
    missing = script_post(
        logged_in, "/review/authors/sanctions", author_id="u7", kind="ban", reason=""
    )
    assert missing.status_code == 422 and "needs a reason" in missing.get_json()["message"]
    with app.extensions["modq"].session_factory() as session:
        sanction = session.scalar(select(Sanction))
    lift = f"/admin/sanctions/{sanction.id}/lift"
    token = csrf_token(logged_in, "/review/")
    assert logged_in.post(lift, data={"csrf_token": token}).status_code == 403
    page = admin_client.get("/admin/sanctions").get_data(as_text=True)
    assert "repeated insults" in page
    admin_client.post(lift, data={"csrf_token": csrf_token(admin_client, "/admin/sanctions")})
    assert "No sanction is in force" in admin_client.get("/admin/sanctions").get_data(as_text=True)


def test_bulk_reject_asks_to_confirm_then_decides_each(app: Flask, logged_in: FlaskClient) -> None:
    ids = [in_review(app, f"spam {i}", author_id="spammer") for i in range(5)]
    other = in_review(app, "fine", author_id="u2")
    token = csrf_token(logged_in, "/review/")
    preview = logged_in.post(
        "/review/bulk/?author=spammer",
        data={"action": "reject", "scope": "matching", "csrf_token": token},
    )
    page = preview.get_data(as_text=True)
    assert "Reject 5 comments?" in page and all(i in page for i in ids)
    assert [status(app, i) for i in ids] == ["review"] * 5  # nothing happens before confirming
    form = MultiDict([("csrf_token", token), ("action", "reject"), *[("ids", i) for i in ids]])
    confirmed = logged_in.post("/review/bulk/confirm", data=form, follow_redirects=True)
    assert "Rejected 5 comments." in confirmed.get_data(as_text=True)
    assert [status(app, i) for i in ids] == ["rejected"] * 5 and status(app, other) == "review"
    with app.extensions["modq"].session_factory() as session:
        entries = [history(session, "comment", i)[-1] for i in ids]
    assert {e.action for e in entries} == {"comment.decided"}
    assert len({e.data["bulk"] for e in entries}) == 1
    again = logged_in.post("/review/bulk/confirm", data=form, follow_redirects=True)
    assert "Rejected 0 comments." in again.get_data(as_text=True)
    assert "Skipped 5" in again.get_data(as_text=True)


def test_bulk_over_the_limit_is_refused(logged_in: FlaskClient) -> None:
    token = csrf_token(logged_in, "/review/")
    form = MultiDict([("csrf_token", token), ("action", "publish")])
    form.setlist("ids", [f"c{i}" for i in range(MAX_ITEMS + 1)])
    response = logged_in.post(
        "/review/bulk/confirm", data=form, headers={"Accept": "application/json"}
    )
    assert response.status_code == 422 and "at most 1000" in response.get_json()["message"]


def test_a_wave_is_one_card_one_decision_and_readers_wait_for_the_window(
    app: Flask, logged_in: FlaskClient
) -> None:
    from sqlalchemy import update

    from moderation.models import Comment

    ids = [in_review(app, f"Same talking point {i}", f"Bot {i}", f"bot{i}") for i in range(3)]
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(wave_id=ids[0]))
        session.commit()
    page = logged_in.get("/review/").get_data(as_text=True)
    assert "wave of 3" in page and "Same talking point 1" not in page
    card = script_post(logged_in, "/review/next").get_json()
    assert card["comment_id"] == ids[0] and "A wave of 3 comments" in card["card"]
    script_post(logged_in, f"/review/comments/{ids[0]}/decision", action="publish")
    assert [status(app, i) for i in ids] == ["published"] * 3
    public = logged_in.get(f"/api/v1/comments/{ids[1]}").get_json()
    assert public["status"] == "review"  # until the undo window closes
    threads = logged_in.get("/api/v1/articles/a1/comments").get_json()
    assert threads["comments"] == []
