"""The embedded thread over HTTP: what it shows, to whom, and the forms to comment and reply
(CSRF, honeypot, verified and anonymous readers, the second thought)."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.kinds import SecondThought
from moderation.signals.words.lists import add_word
from tests.support.readers import (
    comment,
    embed_page,
    fields_from_cookie,
    form_fields,
    reader_token,
    stored,
    the_site,
    with_article,
)


@pytest.fixture
def thread(app: Flask) -> dict[str, str]:
    with_article(app)
    first = comment(app, "The first comment, on energy talks.", "reader-1")
    reply = comment(app, "A reply about the talks.", "reader-2", parent=first)
    waiting = comment(app, "Someone else's comment, waiting.", "reader-3", status="review")
    return {"first": first, "reply": reply, "waiting": waiting}


def post(client: FlaskClient, html: str, **fields: str) -> object:
    return client.post("/embed/articles/a1/comments", data={**form_fields(html), **fields})


def test_the_thread_shows_published_comments_with_replies_under_their_parent(
    app: Flask, thread: dict[str, str]
) -> None:
    html = embed_page(app.test_client())
    assert '<span id="modq-count">2</span> comments' in html
    assert "Comments are moderated and generally will be posted" in html
    assert html.index(f'id="c-{thread["first"]}"') < html.index(f'id="c-{thread["reply"]}"')
    assert "replying to Reader-1" in html
    assert "Someone else's comment" not in html
    assert "just now" in html
    assert "Log in on the site to comment." in html  # no token, anonymous comments off
    assert 'id="modq-comment-form"' not in html


def test_newest_or_oldest_first_and_more_comments(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("web.embed.PER_PAGE", 2)
    with_article(app)
    ids = [comment(app, f"Comment number {n} on energy.", f"r{n}") for n in range(3)]
    client = app.test_client()
    newest = embed_page(client)
    assert f'id="c-{ids[0]}"' not in newest and "More comments" in newest
    assert newest.index(f'id="c-{ids[2]}"') < newest.index(f'id="c-{ids[1]}"')
    oldest = embed_page(client, order="oldest")
    assert oldest.index(f'id="c-{ids[0]}"') < oldest.index(f'id="c-{ids[1]}"')
    everything = embed_page(client, order="oldest", pages="2")
    assert all(f'id="c-{i}"' in everything for i in ids) and "More comments" not in everything


def test_a_verified_reader_sees_their_comment_awaiting_moderation_and_nobody_else_does(
    app: Flask, thread: dict[str, str]
) -> None:
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana", "Ana"))
    assert "Commenting as <strong>Ana</strong>" in html
    response = post(reader, html, body="My reply on the energy talks.", parent_id=thread["first"])
    assert response.status_code == 303  # type: ignore[attr-defined]
    mine = stored(app)[-1]
    assert (mine.author_id, mine.author_name, mine.parent_id) == ("ana", "Ana", thread["first"])
    assert mine.id in app.extensions["enqueued"]  # the API's intake path: stored, then queued
    again = embed_page(reader)  # the cookie keeps the reader
    assert "Awaiting moderation" in again and "My reply on the energy talks." in again
    assert "My reply" not in embed_page(app.test_client())
    assert "My reply" not in embed_page(app.test_client(), reader_token(app, "ben"))


@pytest.mark.parametrize("show_reasons", [True, False])
def test_a_rejected_comment_shows_its_public_reason_when_the_site_allows(
    app: Flask, thread: dict[str, str], show_reasons: bool
) -> None:
    the_site(app, show_reasons=show_reasons)
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana"))
    post(reader, html, body="A comment that will be rejected.")
    from moderation.kinds import Action
    from tests.support.factories import moderator_decides

    with app.extensions["modq"].session_factory() as session:
        moderator_decides(session, stored(app)[-1].id, Action.REJECT)
    again = embed_page(reader)
    assert "Not published." in again
    assert ("A moderator decided on your comment." in again) is show_reasons


def test_every_form_refuses_a_missing_or_wrong_csrf_token(
    app: Flask, thread: dict[str, str]
) -> None:
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana"))
    fields = form_fields(html)
    for token in (None, "0" * 64):
        data = {k: v for k, v in fields.items() if k != "csrf_token"}
        data |= {"csrf_token": token} if token else {}
        refused = reader.post("/embed/articles/a1/comments", data={**data, "body": "Hello."})
        reported = reader.post(
            f"/embed/comments/{thread['first']}/reports",
            data={**data, "reason": "spam"},
        )
        assert (refused.status_code, reported.status_code) == (400, 400)
    assert len(stored(app)) == 3


def test_the_honeypot_catches_a_naive_bot(app: Flask, thread: dict[str, str]) -> None:
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana"))
    response = post(reader, html, body="Buy cheap watches now.", website="http://spam.example")
    assert response.status_code == 303  # type: ignore[attr-defined]  # told nothing
    assert len(stored(app)) == 3


@pytest.mark.parametrize(
    "claims",
    [
        {"secret": "a-forged-secret-that-is-long-enough-to-sign"},
        {"exp": 1_000_000_000},
        {"aud": "modq:another-site"},
    ],
    ids=["forged", "expired", "wrong-audience"],
)
def test_forged_expired_or_foreign_tokens_are_refused(
    app: Flask, thread: dict[str, str], claims: dict[str, object]
) -> None:
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana", "Ana", **claims))
    assert "You are not logged in here" in html and 'id="modq-comment-form"' not in html
    fields = fields_from_cookie(app, reader)
    response = reader.post("/embed/articles/a1/comments", data={**fields, "body": "As Ana."})
    assert response.status_code == 403
    assert len(stored(app)) == 3


def test_nobody_can_post_as_another_reader(app: Flask, thread: dict[str, str]) -> None:
    ana, ben = app.test_client(), app.test_client()
    ana_form = form_fields(embed_page(ana, reader_token(app, "ana")))
    ben_form = form_fields(embed_page(ben, reader_token(app, "ben")))
    # Ben's form with Ana's signed state: the form token is bound to Ben's state.
    forged = {**ben_form, "reader_state": ana_form["reader_state"], "body": "Posing as Ana."}
    assert ben.post("/embed/articles/a1/comments", data=forged).status_code == 400
    tampered = {**ben_form, "reader_state": ben_form["reader_state"][:-2] + "xx", "body": "Hi."}
    assert ben.post("/embed/articles/a1/comments", data=tampered).status_code in (303, 400)
    assert [c.author_id for c in stored(app)].count("ana") == 0


def test_anonymous_comments_are_off_by_default_and_a_site_setting(
    app: Flask, thread: dict[str, str]
) -> None:
    assert the_site(app).anonymous_comments is False
    stranger = app.test_client()
    embed_page(stranger)
    fields = fields_from_cookie(app, stranger)
    refused = stranger.post("/embed/articles/a1/comments", data={**fields, "body": "Hello."})
    assert refused.status_code == 403
    the_site(app, anonymous_comments=True)
    html = embed_page(stranger)
    assert 'id="modq-comment-form"' in html and 'for="name-top"' in html
    assert post(stranger, html, name="Passer-by", body="An anonymous comment.").status_code == 303  # type: ignore[attr-defined]
    mine = stored(app)[-1]
    assert mine.author_name == "Passer-by" and mine.author_id.startswith("anonymous-")
    assert "Awaiting moderation" in embed_page(stranger)


def test_a_second_thought_warns_then_records_the_readers_choice(
    app: Flask, thread: dict[str, str]
) -> None:
    with app.extensions["modq"].session_factory() as session:
        add_word(session, "idiot", "reject", "test")
    reader = app.test_client()
    html = embed_page(reader, reader_token(app, "ana"))
    warned = post(reader, html, body="The minister is an idiot.")
    page = warned.get_data(as_text=True)  # type: ignore[attr-defined]
    assert warned.status_code == 200 and "may come across as abusive" in page  # type: ignore[attr-defined]
    assert "The minister is an idiot." in page and "Post anyway" in page
    assert len(stored(app)) == 3
    post(reader, page, body="The minister is an idiot.", choice="posted_anyway")
    edited_page = post(reader, html, body="The minister is an idiot, again.")
    post(reader, edited_page.get_data(as_text=True), body="The minister is wrong.")  # type: ignore[attr-defined]
    choices = [c.second_thought for c in stored(app)[3:]]
    assert choices == [SecondThought.POSTED_ANYWAY, SecondThought.EDITED]


def test_the_frame_may_be_embedded_by_the_sites_origins_only(
    app: Flask, thread: dict[str, str]
) -> None:
    the_site(app, origins=["https://gazette.example"])
    response = app.test_client().get("/embed/articles/a1")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://gazette.example" in policy
    assert "X-Frame-Options" not in response.headers
    assert app.test_client().get("/review/").headers["X-Frame-Options"] == "DENY"


def test_comment_text_and_names_are_escaped(app: Flask) -> None:
    with_article(app)
    comment(app, "<script>alert(1)</script> & <b>bold</b>", "<img src=x onerror=alert(1)>")
    html = embed_page(app.test_client())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    lowered = html.lower()  # the helper title-cases author names
    assert "<img src=x" not in lowered and "&lt;img src=x onerror=alert(1)&gt;" in lowered


def test_a_verified_reader_lapses_with_their_token(app: Flask) -> None:
    from web import embed_state

    site = the_site(app)
    with app.test_request_context("/"):
        for until, kept in ((int(time.time()) + 600, True), (int(time.time()) - 600, False)):
            state = embed_state.ReaderState(site.id, "ana", "Ana", True, "n0nce", until)
            signed = embed_state.dump_state(state)
            with app.test_request_context("/", method="POST", data={"reader_state": signed}):
                assert (embed_state.load_state(site) == state) is kept
