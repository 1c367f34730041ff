"""Helpers of the readers' tests: a site's reader tokens, published comments, the embed's
forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from moderation import sites
from moderation.models import Comment, Site
from tests.conftest import site_client, site_key
from tests.web.conftest import ARTICLE


def the_site(app: Flask, **settings: Any) -> Site:
    """The test site (created on first use), with its settings changed as asked."""
    site_key(app)
    with app.extensions["modq"].session_factory() as session:
        site = sites.find_site(session, "test")
        assert site is not None
        for name, value in settings.items():
            setattr(site, name, value)
        session.commit()
        session.expunge(site)
        return site


def reader_token(app: Flask, reader_id: str, name: str = "", **claims: Any) -> str:
    """A token for the test site's reader, as the site's server signs it; `claims` override
    (secret=... signs with another secret)."""
    site = the_site(app)
    now = datetime.now(UTC)
    payload = {
        "sub": reader_id,
        "name": name or reader_id.title(),
        "aud": "modq:test",
        "exp": now + timedelta(minutes=10),
        **claims,
    }
    secret = payload.pop("secret", site.reader_secret)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


def with_article(app: Flask, article_id: str = "a1") -> str:
    """The test site's article."""
    client = site_client(app)
    assert client.put(f"/api/v1/articles/{article_id}", json=ARTICLE).status_code in (200, 201)
    return article_id


def comment(
    app: Flask, body: str, author: str, parent: str | None = None, status: str = "published"
) -> str:
    """A comment stored through the API, then given `status` as a decision would."""
    payload = {"article_id": "a1", "author": {"id": author, "name": author.title()}, "body": body}
    if parent:
        payload["parent_id"] = parent
    response = site_client(app).post("/api/v1/comments", json=payload)
    assert response.status_code == 202, response.get_json()
    comment_id = str(response.get_json()["id"])
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id == comment_id).values(status=status))
        session.commit()
    return comment_id


def form_fields(html: str, form_id: str = "modq-comment-form") -> dict[str, str]:
    """The hidden fields of one of the embed's forms."""
    start = html.index(f'id="{form_id}"') if form_id else 0
    chunk = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', chunk))


def report_fields(html: str, comment_id: str) -> dict[str, str]:
    """The hidden fields of the report form of a comment."""
    start = html.index(f'action="/embed/comments/{comment_id}/reports"')
    chunk = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', chunk))


def stored(app: Flask) -> list[Comment]:
    """Every stored comment, oldest first."""
    with app.extensions["modq"].session_factory() as session:
        comments = list(session.query(Comment).order_by(Comment.created_at))
        session.expunge_all()
        return comments


def embed_page(client: FlaskClient, token: str | None = None, **args: str) -> str:
    """The embed's page for a1, as the frame loads it."""
    query = {**({"token": token} if token else {}), **args}
    response = client.get("/embed/articles/a1", query_string=query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def fields_from_cookie(app: Flask, client: FlaskClient) -> dict[str, str]:
    """A form's hidden fields made from the reader's cookie, as if the page had shown a form
    (it shows none to a reader who may not post): the refusal must come from the rule."""
    from web import embed_state

    cookie = client.get_cookie(embed_state.COOKIE, path="/embed")
    assert cookie is not None
    with app.test_request_context("/", method="POST", data={"reader_state": cookie.value}):
        site = the_site(app)
        state = embed_state.load_state(site)
        assert state is not None
        return {"reader_state": cookie.value, "csrf_token": embed_state.form_token(state)}
