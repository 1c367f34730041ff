"""Every route of the app, from the URL map: the public ones are on the allow-list in
web/access.py, and every other one refuses anonymous callers (issue 10)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from moderation.models import Moderator
from tests.conftest import csrf_token, log_in
from web.access import (
    ADMIN_ENDPOINTS,
    MODERATOR_ENDPOINTS,
    PUBLIC_ENDPOINTS,
    READER_ENDPOINTS,
    SITE_ENDPOINTS,
)

OPEN = PUBLIC_ENDPOINTS | SITE_ENDPOINTS | READER_ENDPOINTS
SAMPLE_ARGUMENTS: dict[str, object] = {
    "filename": "style.css",
    "moderator_id": 1,
    "sanction_id": 1,
    "endpoint_id": 1,
    "delivery_id": 1,
}


def routes(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, a path to call it) for every route and method of the app."""
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        arguments = {name: SAMPLE_ARGUMENTS.get(name, "x1") for name in rule.arguments}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, urls.build(rule.endpoint, arguments, method=method)


def call(client: FlaskClient, method: str, path: str, token: str, **kwargs: Any) -> TestResponse:
    response = client.open(path, method=method, data={"csrf_token": token}, **kwargs)
    response.get_data()  # read and close: static files are streamed from open files
    response.close()
    return response


def to_login(response: TestResponse) -> bool:
    return response.status_code == 302 and (response.location or "").startswith("/login")


def test_every_endpoint_is_classified_exactly_once(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    lists = (
        PUBLIC_ENDPOINTS,
        SITE_ENDPOINTS,
        READER_ENDPOINTS,
        MODERATOR_ENDPOINTS,
        ADMIN_ENDPOINTS,
    )
    classified = set().union(*lists)
    assert endpoints - classified == set(), "classify these in web/access.py"
    assert classified - endpoints == set(), "these no longer exist: remove them"
    assert sum(len(names) for names in lists) == len(classified), "one list per endpoint"


def test_every_other_route_refuses_anonymous_callers(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client)  # a valid token, so only the missing login can refuse
    let_in = []
    for rule, method, path in routes(app):
        if rule.endpoint in OPEN:
            continue
        page = call(client, method, path, token)
        as_json = call(client, method, path, token, headers={"Accept": "application/json"})
        if not to_login(page):
            let_in.append(f"{method} {path} (page: {page.status_code})")
        if as_json.status_code != 401 or as_json.get_json()["error"] != "unauthorized":
            let_in.append(f"{method} {path} (JSON: {as_json.status_code})")
    assert let_in == []


def test_public_pages_answer_anonymous_callers(app: Flask, client: FlaskClient) -> None:
    # Reads only: the writes on the open lists (logging in and out, sites' calls) answer
    # according to their own credentials.
    token = csrf_token(client)
    refused = [
        f"{method} {path}"
        for rule, method, path in routes(app)
        if rule.endpoint in PUBLIC_ENDPOINTS
        and method == "GET"
        and ((r := call(client, method, path, token)).status_code in (401, 403) or to_login(r))
    ]
    assert refused == []


def test_a_logged_in_moderator_gets_past_the_check(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    # So the refusals above come from the missing login, not from the sample arguments.
    assert log_in(client).status_code == 302
    token = csrf_token(client, "/review/")
    for rule, method, path in routes(app):
        if rule.endpoint in MODERATOR_ENDPOINTS | ADMIN_ENDPOINTS:
            response = call(client, method, path, token)
            assert response.status_code != 401 and not to_login(response), path
