"""Who may write through the intake API: site keys, revocation, one site's articles against
another's key, open intake from browsers, and CORS limited to the origins sites list."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation import sites
from moderation.config import Settings
from moderation.models import ApiKey, Article, Comment
from tests.conftest import site_client, site_key
from tests.support.recording import statements
from web import create_app

ARTICLE = {
    "title": "Ministers meet on energy",
    "url": "https://news.example.org/a",
    "body": "The ministers discussed energy cooperation and shipping.",
}
COMMENT = {"article_id": "a1", "author": {"id": "u1", "name": "Reader"}, "body": "Energy matters."}
ORIGIN = "https://news.example.org"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response: Any, invalid_token: bool) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="modq"')
    assert ('error="invalid_token"' in challenge) is invalid_token


@pytest.fixture
def article(client: FlaskClient) -> str:
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    return "a1"


def test_anonymous_writes_are_refused(app: Flask, anonymous: FlaskClient, article: str) -> None:
    put = anonymous.put("/api/v1/articles/a1", json={**ARTICLE, "url": "https://evil.example"})
    post = anonymous.post("/api/v1/comments", json=COMMENT)
    assert_unauthorized(put, invalid_token=False)
    assert_unauthorized(post, invalid_token=False)
    assert anonymous.get("/api/v1/articles/a1").get_json()["url"] == ARTICLE["url"]
    assert app.extensions["enqueued"] == []


@pytest.mark.parametrize(
    "header", ["Bearer modq_not-a-real-key", "Bearer ", "Basic dXNlcjpwYXNz", "modq_abc"]
)
def test_a_wrong_key_is_refused(anonymous: FlaskClient, article: str, header: str) -> None:
    response = anonymous.post("/api/v1/comments", json=COMMENT, headers={"Authorization": header})
    assert_unauthorized(response, invalid_token=True)


def test_a_revoked_key_is_refused_and_another_key_of_the_site_still_works(
    app: Flask, anonymous: FlaskClient, article: str
) -> None:
    with app.extensions["modq"].session_factory() as session:
        site = sites.find_site(session, "test")
        assert site is not None
        spare, spare_token = sites.add_key(session, site, "spare")
        sites.revoke_key(session, site.keys[0].id)
    refused = anonymous.post("/api/v1/comments", json=COMMENT, headers=bearer(site_key(app)))
    assert_unauthorized(refused, invalid_token=True)
    assert "revoked" in refused.get_json()["message"]
    accepted = anonymous.post("/api/v1/comments", json=COMMENT, headers=bearer(spare_token))
    assert accepted.status_code == 202
    with app.extensions["modq"].session_factory() as session:
        assert session.get(ApiKey, spare.id).last_used_at is not None  # type: ignore[union-attr]


def test_a_revocation_reaches_every_web_process_at_its_next_call(
    app: Flask, settings: Settings, article: str
) -> None:
    elsewhere = create_app(settings, {"TESTING": True})  # another process, its own memory
    try:
        caller = elsewhere.test_client()
        caller.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {site_key(app)}"
        assert caller.put("/api/v1/articles/a1", json=ARTICLE).status_code == 200
        with app.extensions["modq"].session_factory() as session:
            site = sites.find_site(session, "test")
            sites.revoke_key(session, site.keys[0].id)  # type: ignore[union-attr]
        assert_unauthorized(caller.put("/api/v1/articles/a1", json=ARTICLE), invalid_token=True)
    finally:
        elsewhere.extensions["modq"].engine.dispose()


def test_a_key_costs_no_query_per_call_while_nothing_changes(
    app: Flask, client: FlaskClient, article: str
) -> None:
    engine = app.extensions["modq"].engine
    with statements(engine, "WHERE api_keys.key_hash") as looked_up:
        answers = [client.post("/api/v1/comments", json=COMMENT) for _ in range(3)]
    assert [a.status_code for a in answers] == [202] * 3
    assert looked_up == [], "checked once, by the PUT of the article"


def test_one_sites_key_cannot_touch_another_sites_articles(
    app: Flask, client: FlaskClient, article: str
) -> None:
    other = site_client(app, "other-site")
    hijack = other.put("/api/v1/articles/a1", json={**ARTICLE, "url": "https://evil.example"})
    comment = other.post("/api/v1/comments", json=COMMENT)
    assert (hijack.status_code, comment.status_code) == (403, 403)
    assert "belongs to another site" in hijack.get_json()["message"]
    assert client.get("/api/v1/articles/a1").get_json()["url"] == ARTICLE["url"]
    assert app.extensions["enqueued"] == []
    own = other.put("/api/v1/articles/b1", json=ARTICLE)
    assert own.status_code == 201


def test_articles_and_comments_belong_to_the_site_whose_key_wrote_them(
    app: Flask, client: FlaskClient, article: str
) -> None:
    comment_id = client.post("/api/v1/comments", json=COMMENT).get_json()["id"]
    with app.extensions["modq"].session_factory() as session:
        site = sites.find_site(session, "test")
        stored = session.get(Comment, comment_id)
        assert site is not None and stored is not None
        assert stored.site_id == site.id
        assert session.get(Article, stored.article_id).site_id == site.id  # type: ignore[union-attr]


def test_keys_are_stored_only_as_hashes(app: Flask) -> None:
    token = site_key(app)
    with app.extensions["modq"].session_factory() as session:
        [key] = session.query(ApiKey).all()
    assert token.startswith("modq_") and len(token) > 40
    assert key.key_hash == sites.hash_key(token) and token not in key.key_hash
    assert key.hint == token[:12]


# ---- open intake and CORS -------------------------------------------------------------------


def open_site(app: Flask, origins: list[str], open_intake: bool = True) -> None:
    site_key(app)  # the test site exists
    with app.extensions["modq"].session_factory() as session:
        site = sites.find_site(session, "test")
        assert site is not None
        site.anonymous_comments = True  # keyless comments without a reader token (issue 11)
        sites.update_site(session, site, origins, open_intake)


def test_open_intake_takes_keyless_comments_from_the_sites_origins_only(
    app: Flask, anonymous: FlaskClient, article: str
) -> None:
    open_site(app, [ORIGIN])
    listed = anonymous.post(
        "/api/v1/comments",
        json={**COMMENT, "client_ip": "198.51.100.7"},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    assert listed.status_code == 202
    assert listed.headers["Access-Control-Allow-Origin"] == ORIGIN
    stranger = anonymous.post(
        "/api/v1/comments", json=COMMENT, headers={"Origin": "https://evil.example"}
    )
    assert stranger.status_code == 403
    assert "Access-Control-Allow-Origin" not in stranger.headers
    still_closed = anonymous.put("/api/v1/articles/a1", json=ARTICLE, headers={"Origin": ORIGIN})
    assert_unauthorized(still_closed, invalid_token=False)
    with app.extensions["modq"].session_factory() as session:
        stored = session.get(Comment, listed.get_json()["id"])
        expected = sites_hash(app, "203.0.113.5")
    assert stored is not None and stored.client_ip_hash == expected, (
        "a browser's own client_ip is ignored: the connection's address counts"
    )


def sites_hash(app: Flask, address: str) -> str | None:
    from moderation.comments.intake import hash_address

    return hash_address(address, app.secret_key)  # type: ignore[arg-type]


def test_open_intake_is_per_site(app: Flask, anonymous: FlaskClient, article: str) -> None:
    other = site_client(app, "other-site")
    assert other.put("/api/v1/articles/b1", json=ARTICLE).status_code == 201
    open_site(app, [ORIGIN])
    closed = anonymous.post("/api/v1/comments", json={**COMMENT, "article_id": "b1"})
    assert_unauthorized(closed, invalid_token=False)


def test_a_bad_key_is_refused_even_where_intake_is_open(
    app: Flask, anonymous: FlaskClient, article: str
) -> None:
    open_site(app, [ORIGIN])
    response = anonymous.post("/api/v1/comments", json=COMMENT, headers=bearer("modq_wrong"))
    assert_unauthorized(response, invalid_token=True)


def preflight(client: FlaskClient, origin: str, method: str = "POST") -> Any:
    return client.options(
        "/api/v1/comments",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


def test_cors_answers_only_the_listed_origins(app: Flask, anonymous: FlaskClient) -> None:
    open_site(app, [ORIGIN, "http://localhost:8080"])
    allowed = preflight(anonymous, ORIGIN)
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "content-type" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" not in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Origin" in allowed.headers["Vary"]
    for origin in ("https://evil.example", "https://news.example.org.evil.example", "null"):
        refused = preflight(anonymous, origin)
        assert refused.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in refused.headers
    assert preflight(anonymous, ORIGIN, "PUT").status_code == 403, "browsers do not write articles"
    read = anonymous.get("/api/v1/comments/nope", headers={"Origin": "http://localhost:8080"})
    assert read.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    other = anonymous.get("/api/v1/comments/nope", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_without_listed_origins_no_cross_origin_call_is_allowed(anonymous: FlaskClient) -> None:
    assert preflight(anonymous, ORIGIN).status_code == 403
    response = anonymous.get("/api/v1/comments/nope", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
