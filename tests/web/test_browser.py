"""The review UI in a real browser (headless Chromium): login, keyboard decisions, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from moderation.models import Comment
from tests.conftest import MODERATOR_PASSWORD, log_in, site_client

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def in_review(app: Flask, body: str, author: str) -> str:
    client = site_client(app)
    client.put(
        "/api/v1/articles/a1",
        json={
            "title": "Energy talks",
            "body": "Energy and trade.",
            "url": "https://news.example.org/a",
        },
    )
    comment_id = str(
        client.post(
            "/api/v1/comments",
            json={
                "article_id": "a1",
                "author": {"id": author, "name": author},
                "body": body,
            },
        ).get_json()["id"]
    )
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id == comment_id).values(status="review"))
        session.commit()
    return comment_id


def status(app: Flask, comment_id: str) -> str:
    with app.extensions["modq"].session_factory() as session:
        return session.get(Comment, comment_id).status  # type: ignore[union-attr]


def test_a_moderator_clears_the_queue_with_the_keyboard(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    first = in_review(app, "<script>alert('pwned')</script> first comment", "Mallory")
    second = in_review(app, "Second comment about energy.", "Reader")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(f"{base_url}/review/")
    expect(page).to_have_url(f"{base_url}/login?next=/review/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#queue-count")).to_have_text("2")
    expect(page.locator(".card.selected")).to_have_attribute("data-comment-id", first)
    expect(page.locator(f"#c-{first} .body")).to_contain_text("<script>alert('pwned')</script>")

    page.keyboard.press("j")
    expect(page.locator(".card.selected")).to_have_attribute("data-comment-id", second)
    page.keyboard.press("p")
    expect(page.locator(".flash")).to_contain_text("Published the comment by Reader")
    expect(page.locator("#queue-count")).to_have_text("1")
    # The reloaded page's keyboard script has run (before it, "n" does nothing and the "r" of
    # the typed note would reject the comment).
    expect(page.locator(".card.selected")).to_have_attribute("data-comment-id", first)

    page.keyboard.press("n")
    page.keyboard.type("script injection attempt")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator(".flash")).to_contain_text("Rejected the comment by Mallory")
    expect(page.locator(".empty")).to_have_text("Nothing waits for a decision.")

    assert (status(app, first), status(app, second)) == ("rejected", "published")
    assert dialogs == [], "comment text must never run as script"


def test_help_opens_with_the_question_mark(
    app: Flask, base_url: str, page: Page, moderator: object
) -> None:
    in_review(app, "Any comment.", "Reader")
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".card.selected")).to_be_visible()  # the keyboard script has run
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()


def test_after_logout_neither_the_back_button_nor_the_cookie_works(
    app: Flask, base_url: str, page: Page, browser: Browser, moderator: object
) -> None:
    comment_id = in_review(app, "Decide me after logout.", "Reader")
    log_in(app.test_client())  # an earlier login, from the test client's 127.0.0.1
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Last login:")
    expect(page.locator(".flash")).to_contain_text("from 127.0.0.1")
    expect(page.locator(".card.selected")).to_be_visible()
    copied = page.context.cookies()

    page.click("header button:has-text('Log out')")
    expect(page.locator(".flash")).to_have_text("Logged out.")
    page.go_back()
    if "/login" not in page.url:  # the browser showed its copy of the queue: try to use it
        expect(page.locator(".card.selected")).to_be_visible()
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
    flood = [in_review(app, f"Buy now, offer {n}!", "flooder") for n in range(3)]
    other = in_review(app, "A reader's comment on energy.", "reader")
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", MODERATOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#queue-count")).to_have_text("4")
    page.locator(f"#c-{flood[0]} button.reject-all").click()
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
    box = chart.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (240, 48)
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
