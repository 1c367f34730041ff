"""Roles on the URL map: every admin route is marked so, lives under /admin and refuses
moderators who are not admins (tests/web/test_access.py checks logins)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from moderation import accounts
from moderation.kinds import Role
from tests.conftest import MODERATOR_PASSWORD, csrf_token, log_in
from web.access import ADMIN_ENDPOINTS, PUBLIC_ENDPOINTS, READER_ENDPOINTS, SITE_ENDPOINTS

OPEN = PUBLIC_ENDPOINTS | SITE_ENDPOINTS | READER_ENDPOINTS
ARGUMENT_VALUES = {"moderator_id": 1, "sanction_id": 1, "endpoint_id": 1, "delivery_id": 1}


def routes(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app but HEAD and OPTIONS."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def url(rule: Rule) -> str:
    values = {name: ARGUMENT_VALUES.get(name, "x") for name in rule.arguments}
    built = rule.build(values)
    assert built is not None
    return built[1]


def call(client: FlaskClient, rule: Rule, method: str, token: str) -> tuple[int, str]:
    response = client.open(url(rule), method=method, data={"csrf_token": token})
    return response.status_code, response.headers.get("Location", "")


def test_every_admin_route_is_marked_and_only_admin_routes_are_under_admin(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        role = getattr(view, "required_role", None)
        if rule.endpoint not in OPEN and rule.endpoint != "auth.password":
            assert role is not None, f"{rule.rule} checks no login"
        assert (role == Role.ADMIN) == rule.rule.startswith("/admin"), rule.rule
        assert (role == Role.ADMIN) == (rule.endpoint in ADMIN_ENDPOINTS), rule.endpoint


@pytest.fixture
def plain_moderator(app: Flask) -> None:
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD, role=Role.MODERATOR)


def test_every_admin_route_refuses_a_moderator(
    app: Flask, client: FlaskClient, plain_moderator: None
) -> None:
    log_in(client)
    token = csrf_token(client, "/review/")
    admin_routes = [
        (rule, method)
        for rule, method in routes(app)
        if getattr(app.view_functions[rule.endpoint], "required_role", None) == Role.ADMIN
    ]
    assert len(admin_routes) >= 10
    for rule, method in admin_routes:
        status, _ = call(client, rule, method, token)
        assert status == 403, (rule.rule, method, status)


def test_an_admin_reaches_the_admin_pages(app: Flask, client: FlaskClient) -> None:
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "root", MODERATOR_PASSWORD, role=Role.ADMIN)
    log_in(client, "root")
    pages = ("/admin/", "/admin/sanctions", "/admin/words", "/admin/policy", "/admin/sites/")
    for path in (*pages, "/admin/webhooks/"):
        assert client.get(path).status_code == 200, path
