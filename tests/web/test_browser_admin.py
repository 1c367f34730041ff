"""The admins' sites and webhooks screens in headless Chromium: create a site (its key shown
once), add an origin, register a webhook to a real receiver, see a delivery in the log and
resend it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from standardwebhooks.webhooks import Webhook

from moderation import accounts
from moderation.kinds import Action, Role
from moderation.webhooks import delivery, outbox
from tests.conftest import MODERATOR_PASSWORD
from tests.support import factories
from tests.support.receiver import receiver
from tests.support.webhook_app import delivering_app

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """The app (served by base_url) delivering webhooks to 127.0.0.1 within the request."""
    with delivering_app(tmp_path) as application:
        yield application


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_an_admin_sets_up_a_site_and_its_webhook(app: Flask, base_url: str, page: Page) -> None:
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "root", MODERATOR_PASSWORD, role=Role.ADMIN)
    page.goto(f"{base_url}/admin/sites/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".empty")).to_contain_text("No site yet")

    page.fill("input[name=name]", "test")
    page.fill("input[name=origins]", "https://news.example.org")
    page.get_by_role("button", name="Create (its API key is shown once)").click()
    key = page.locator("#secret").input_value()
    assert key.startswith("modq_")
    page.get_by_role("link", name="Done").click()
    site = page.locator("#site-test")
    expect(site).to_contain_text(key[:12])
    assert key not in page.content()
    site.get_by_label("Add an origin").fill("http://localhost:3000")
    site.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#site-test .origins")).to_contain_text("http://localhost:3000")

    with receiver() as listening:
        listening.statuses = [502]
        page.get_by_role("navigation", name="Admin").get_by_role("link", name="Webhooks").click()
        expect(page).to_have_url(f"{base_url}/admin/webhooks/")
        page.get_by_label("URL").fill(listening.url)
        page.get_by_label("comment.published").check()
        page.get_by_role("button", name="Add (its signing secret is shown once)").click()
        secret = page.locator("#secret").input_value()
        assert secret.startswith("whsec_")
        with app.extensions["modq"].session_factory() as session:
            factories.article(session)
            comment = factories.comment(session, body="<img src=x onerror=alert(1)> energy")
            factories.moderator_decides(session, comment.id, Action.PUBLISH)
            for delivery_id in outbox.take_due(session):
                delivery.attempt(session, delivery_id, allow_private=True)
        page.get_by_role("link", name="Done").click()  # the endpoint's delivery log
        expect(page.locator(".delivery")).to_contain_text("comment.published")
        expect(page.locator(".attempts")).to_contain_text("answered 502")
        page.get_by_role("button", name="Resend").click()
        expect(page.locator(".flash")).to_contain_text("is on its way again")
        expect(page.locator(".delivery .state-delivered")).to_have_text("delivered")
        _, resent = listening.requests
    assert Webhook(secret).verify(resent.body, resent.headers)["data"]["comment_id"] == comment.id
