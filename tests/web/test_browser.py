"""The review UI in a real browser (headless Chromium): login, keyboard decisions, escaping,
logout."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.conftest import MODERATOR_PASSWORD, log_in
from tests.support.workspace import in_review, status

pytestmark = pytest.mark.browser


def log_in_page(page: Page, base_url: str, username: str = "alice") -> None:
    """Log in through the form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")


def test_a_moderator_decides_with_the_keyboard_and_nothing_runs_as_script(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    first = in_review(
        app, "<script>alert('pwned')</script> first comment", "Mallory", "m1", weight=9
    )
    second = in_review(app, "Second comment about energy.", "Reader", "r1")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{base_url}/review/")
    expect(page).to_have_url(f"{base_url}/login?next=/review/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#queue-count")).to_have_text("2")
    card = page.locator("#card-slot .card")
    expect(card).to_have_attribute("data-comment-id", first)
    expect(card.locator(".body")).to_contain_text("<script>alert('pwned')</script>")

    page.keyboard.press("r")
    expect(page.locator(".reject-reasons")).to_be_visible()
    page.keyboard.press("3")  # insult
    expect(page.locator(".flash")).to_contain_text("Rejected the comment by Mallory")
    expect(card).to_have_attribute("data-comment-id", second)
    expect(page.locator("#queue-count")).to_have_text("1")

    page.keyboard.press("n")
    page.keyboard.type("looked at the links")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Note kept on the comment")
    expect(card.locator(".comment-note")).to_contain_text("looked at the links")
    page.keyboard.press("Escape")
    page.keyboard.press("p")
    expect(page.locator(".flash")).to_contain_text("Published the comment by Reader")
    expect(page.locator("#no-card")).to_contain_text("Nothing waits for a decision")

    assert (status(app, first), status(app, second)) == ("rejected", "published")
    assert dialogs == [], "comment text must never run as script"


def test_help_opens_with_the_question_mark(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    in_review(app, "Any comment.", "Reader")
    log_in_page(page, base_url)
    expect(page.locator("#card-slot .card")).to_be_visible()  # the script has run
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()


def test_after_logout_neither_the_back_button_nor_the_cookie_works(
    app: Flask, base_url: str, page: Page, browser: Browser, moderator: object
) -> None:
    comment_id = in_review(app, "Decide me after logout.", "Reader")
    log_in(app.test_client())  # an earlier login, from the test client's 127.0.0.1
    log_in_page(page, base_url)
    expect(page.locator(".flash")).to_contain_text("Last login:")
    expect(page.locator(".flash")).to_contain_text("from 127.0.0.1")
    expect(page.locator("#card-slot .card")).to_be_visible()
    copied = page.context.cookies()

    page.click("header button:has-text('Log out')")
    expect(page.locator(".flash")).to_have_text("Logged out.")
    page.go_back()
    if "/login" not in page.url:  # the browser showed its copy of the queue: try to use it
        page.keyboard.press("p")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("input[name=password]")).to_be_visible()

    thief = browser.new_context()
    thief.add_cookies(copied)  # type: ignore[arg-type]
    stolen = thief.new_page()
    stolen.goto(f"{base_url}/review/")
    expect(stolen).to_have_url(f"{base_url}/login?next=/review/")
    thief.close()
    assert status(app, comment_id) == "review"


def test_a_moderator_rejects_a_flood_from_the_card_after_confirming(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    flood = [
        in_review(app, f"Buy now, offer {n}!", "flooder", "flooder", weight=9) for n in range(3)
    ]
    other = in_review(app, "A reader's comment on energy.", "reader", "reader")
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#queue-count")).to_have_text("4")
    page.locator("#card-slot button.reject-all").click()
    expect(page.locator("#reject-all-total")).to_have_text("3")
    page.fill("input[name=note]", "spam run")
    page.click("button.reject")
    expect(page.locator(".flash")).to_contain_text("Rejected 3 comments by flooder.")
    expect(page.locator("#queue-count")).to_have_text("1")
    assert [status(app, c) for c in flood] == ["rejected"] * 3
    assert status(app, other) == "review"


def test_the_stats_page_draws_the_history_of_the_on_topic_lines(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    from tests.web.test_on_topic_ui import add_lines

    add_lines(app, ("", 0.12, 300, 48), ("", 0.2, 320, 24), ("", -0.05, 350, 0))
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "Refused" in message.text else None,
    )
    page.goto(f"{base_url}/login?next=/review/stats")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    row = page.locator("table.lines tr", has=page.locator("svg.history"))
    expect(row).to_contain_text("whole site")
    expect(row).to_contain_text("-0.050")  # the newest line
    expect(row).to_contain_text("350 comments")
    chart = row.locator("svg.history")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-label", re.compile(r"from -0\.050 to 0\.200"))
    size = chart.evaluate("e => [getComputedStyle(e).width, getComputedStyle(e).height]")
    assert size == ["240px", "48px"], "drawn at its own size, not stretched by a stylesheet"
    assert page.locator("table.lines polyline").get_attribute("points") == (
        "4.0,16.8 120.0,4.0 236.0,44.0"
    )
    assert blocked == [], "nothing on the page breaks the Content-Security-Policy"


def test_the_card_says_how_close_the_comment_is_to_the_discussion(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    from tests.web.test_review_ui import add_signal

    comment_id = in_review(app, "The tariffs are the real story here.", "Reader")
    discussion = {"siblings": 40, "close_to": 12, "centroid_margin": 0.1, "nearest_margin": 0.2}
    add_signal(app, comment_id, "relevance", {"on_topic": 0.4}, {"discussion": discussion})
    page.goto(f"{base_url}/login?next=/review/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    evidence = page.locator(f"#c-{comment_id} .discussion")
    expect(evidence).to_be_visible()
    expect(evidence).to_have_text(
        "Close to 12 published comments on this article (of the 40 newest).",
        use_inner_text=True,
    )
