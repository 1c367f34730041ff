"""The workspace in headless Chromium: a queue cleared by keyboard alone, undo, bulk reject,
a new comment arriving without a reload, and two moderators never shown the same card."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from moderation import accounts
from moderation.kinds import Role
from tests.conftest import MODERATOR_PASSWORD
from tests.support.workspace import in_review, status
from tests.web.test_browser import log_in_page

pytestmark = pytest.mark.browser
LIVE_TIMEOUT_MS = 15_000  # the page polls every 4 s; a loaded machine may take longer


def card_id(page: Page) -> str | None:
    """The comment on a page's card now, if it shows one."""
    card = page.locator("#card-slot .card")
    return card.get_attribute("data-comment-id") if card.count() else None


def test_twenty_comments_cleared_by_keyboard_then_one_undone(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    ids = [in_review(app, f"Comment number {i}", f"Reader {i}", f"r{i}") for i in range(20)]
    log_in_page(page, base_url)
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#queue-count")).to_have_text("20")
    seen = []
    for turn in range(20):
        card = page.locator("#card-slot .card")
        expect(card).to_be_visible()
        current = card.get_attribute("data-comment-id")
        assert current not in seen
        seen.append(current)
        if turn % 2:
            page.keyboard.press("p")
        else:
            page.keyboard.press("r")
            page.keyboard.press("1")
        if turn < 19:
            expect(page.locator("#card-slot .card")).not_to_have_attribute(
                "data-comment-id", current or ""
            )
    expect(page.locator("#no-card")).to_be_visible()
    expect(page.locator("#queue-count")).to_have_text("0")
    assert sorted(seen) == sorted(ids)
    assert {status(app, i) for i in ids} == {"published", "rejected"}

    page.keyboard.press("u")
    expect(page.locator("#card-slot .card")).to_have_attribute("data-comment-id", seen[-1])
    expect(page.locator(".flash")).to_contain_text("Undone")
    assert status(app, seen[-1]) == "review"
    assert page.evaluate("window.notReloaded") is True


def test_bulk_reject_five_after_confirming(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    spam = [in_review(app, f"Buy cheap watches {i}", "Spammer", "spam") for i in range(5)]
    keep = in_review(app, "A real comment.", "Reader", "r1")
    log_in_page(page, base_url)
    page.fill("input[name=author]", "spam")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#matching")).to_have_text("5")
    for comment_id in spam:
        page.check(f"#r-{comment_id} input.pick")
    page.select_option("select[name=action]", "reject")
    page.click("#bulk-selected")
    expect(page.locator("h1")).to_have_text("Reject 5 comments?")
    page.click("#confirm-bulk button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("Rejected 5 comments.")
    assert [status(app, i) for i in spam] == ["rejected"] * 5 and status(app, keep) == "review"


def test_a_new_comment_arrives_without_a_reload(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    log_in_page(page, base_url)
    expect(page.locator("#no-card")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    arrived = in_review(app, "Just posted, about energy.", "Newcomer", "n1")
    expect(page.locator(f"#r-{arrived}")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#queue-count")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#card-slot .card")).to_have_attribute(
        "data-comment-id", arrived, timeout=LIVE_TIMEOUT_MS
    )
    assert page.evaluate("window.notReloaded") is True


def test_two_moderators_are_never_shown_the_same_card(
    app: Flask, base_url: str, browser: Browser, moderator: object
) -> None:
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "bob", MODERATOR_PASSWORD, role=Role.MODERATOR)
    ids = {in_review(app, f"Comment {i}", f"Reader {i}", f"r{i}") for i in range(8)}
    contexts = [browser.new_context(), browser.new_context()]
    pages = [context.new_page() for context in contexts]
    shown: list[list[str]] = [[], []]
    try:
        log_in_page(pages[0], base_url, "alice")
        log_in_page(pages[1], base_url, "bob")
        for _ in range(4):
            for who, page in enumerate(pages):
                card = page.locator("#card-slot .card")
                expect(card).to_be_visible()
                current = card.get_attribute("data-comment-id")
                other = card_id(pages[1 - who])
                assert current != other, "both moderators see the same card"
                shown[who].append(current or "")
                page.keyboard.press("p")
                expect(page.locator(".flash")).to_contain_text("Published")
                gone = page.locator(f'#card-slot .card[data-comment-id="{current}"]')
                expect(gone).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
    assert not set(shown[0]) & set(shown[1])
    assert set(shown[0]) | set(shown[1]) == ids


def test_skip_expand_and_sanction_by_keyboard(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    first = in_review(app, "First comment.", "Troll", "t1", weight=9)
    second = in_review(app, "Second comment.", "Reader", "r1")
    log_in_page(page, base_url)
    card = page.locator("#card-slot .card")
    expect(card).to_have_attribute("data-comment-id", first)
    page.keyboard.press("e")
    expect(card.locator("details.signals")).to_have_attribute("open", "")
    page.keyboard.press("b")
    expect(card.locator(".sanction-form input[name=reason]")).to_be_focused()
    page.keyboard.type("threatened a reporter")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("t1: ban.")
    expect(page.locator("#card-slot .sanction")).to_contain_text("threatened a reporter")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    expect(card).to_have_attribute("data-comment-id", second)
    assert status(app, first) == "review"
