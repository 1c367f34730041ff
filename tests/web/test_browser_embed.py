"""The embed in a real browser (headless Chromium): the demo article page with its thread in a
frame, a verified reader's reply awaiting moderation, a moderator publishing it in the review
UI, the reply under its parent; forged tokens refused; three readers' reports hiding a
comment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, FrameLocator, Page, expect
from sqlalchemy import update

from moderation import sites
from moderation.comments.demo import DEMO_ARTICLE_ID
from moderation.decisions.pipeline import score_and_decide
from moderation.kinds import CommentStatus
from moderation.models import Comment
from moderation.policy.reader import load
from moderation.signals.base import Scorer
from moderation.signals.lexical import LexicalAbuseScorer
from moderation.signals.links import LinkScorer
from moderation.signals.words.lists import WordListScorer, stored_matcher
from tests.conftest import MODERATOR_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    yield context.new_page()
    context.close()


@pytest.fixture
def demo(app: Flask) -> list[str]:
    """`modq demo load` with the dev site's key, its comments published as a policy with
    Detoxify weights would publish them; their ids, oldest first."""
    runtime = app.extensions["modq"]
    with runtime.session_factory() as session:
        sites.ensure_dev_key(session, runtime.settings.var_dir)
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with runtime.session_factory() as session:
        session.execute(update(Comment).values(status=CommentStatus.PUBLISHED))
        session.commit()
        return [c.id for c in session.query(Comment).order_by(Comment.created_at)]


def thread(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[title=Comments]")


def decide_like_a_worker(app: Flask) -> list[str | None]:
    """The worker's scoring step on what is pending, with the checks that need no model
    download: without Detoxify the policy sends every comment to review ("check failed")."""
    runtime = app.extensions["modq"]
    scorers: list[Scorer] = [
        LexicalAbuseScorer(),
        WordListScorer(stored_matcher(runtime.session_factory)),
        LinkScorer(),
    ]
    with runtime.session_factory() as session:
        pending = [c.id for c in session.query(Comment).filter_by(status=CommentStatus.PENDING)]
        return [o.action for o in score_and_decide(session, pending, scorers, load())]


def test_a_verified_readers_reply_is_moderated_then_shown_under_its_parent(
    app: Flask, base_url: str, page: Page, demo: list[str], moderator: object
) -> None:
    page.goto(f"{base_url}/demo?reader=ana")
    frame = thread(page)
    expect(frame.locator("#modq-count")).to_have_text(str(len(demo)))
    first = frame.locator(".modq-comment").first
    parent_id = (first.get_attribute("id") or "").removeprefix("c-")
    first.locator("a.modq-reply").first.click()
    reply_form = frame.locator(f"#reply-{parent_id}")
    expect(reply_form.locator("textarea")).to_be_focused()
    reply_form.locator("textarea").fill("The energy talks matter more than any summit.")
    reply_form.locator("button", has_text="Post reply").click()
    expect(frame.locator(".modq-state")).to_contain_text("Awaiting moderation")
    assert "only you can see" in frame.locator(".modq-state").inner_text()

    assert decide_like_a_worker(app) == ["review"]
    moderator_page = page.context.new_page()
    moderator_page.goto(f"{base_url}/login?next=/review/")
    moderator_page.fill("input[name=username]", "alice")
    moderator_page.fill("input[name=password]", MODERATOR_PASSWORD)
    moderator_page.click("button[type=submit]")
    card = moderator_page.locator(".card", has_text="The energy talks matter")
    card.locator("button.publish").click()
    expect(moderator_page.locator(".flash")).to_contain_text("Published the comment by Ana")

    page.reload()
    reply = thread(page).locator(f"#c-{parent_id} .modq-comments .modq-comment").first
    expect(reply).to_contain_text("The energy talks matter more than any summit.")
    expect(reply).to_contain_text("replying to")
    expect(thread(page).locator(".modq-state")).to_have_count(0)
    expect(thread(page).locator("#modq-count")).to_have_text(str(len(demo) + 1))


def test_the_frame_fits_its_content_and_takes_the_sites_style(
    base_url: str, page: Page, demo: list[str]
) -> None:
    page.goto(f"{base_url}/demo")
    expect(thread(page).locator("#modq-count")).to_be_visible()
    page.wait_for_function(
        "() => parseInt(document.querySelector('iframe').style.height) > 600"
    )  # the demo thread is longer than a phone screen; the frame grew to it
    frame = page.frames[1]
    frame.wait_for_function(
        "() => document.documentElement.style.getPropertyValue('--modq-accent') === '#14213d'"
    )


def test_a_forged_token_is_refused_in_the_browser(
    app: Flask, base_url: str, page: Page, demo: list[str]
) -> None:
    page.goto(f"{base_url}/embed/articles/{DEMO_ARTICLE_ID}?token=eyJhbGciOiJIUzI1NiJ9.e30.x")
    expect(page.locator(".modq-notice")).to_contain_text("You are not logged in here")
    expect(page.locator("#modq-comment-form")).to_have_count(0)


def test_three_readers_reports_hide_a_comment(base_url: str, page: Page, demo: list[str]) -> None:
    target = demo[0]
    for reader in ("ana", "ben", "chloe"):
        page.goto(f"{base_url}/demo?reader={reader}")
        comment = thread(page).locator(f"#c-{target} > article")
        comment.locator("details.modq-report summary").first.click()
        comment.get_by_label("Abusive or hateful").first.check()
        comment.get_by_role("button", name="Send report").first.click()
        expect(thread(page).locator(".modq-notice")).to_contain_text("Thank you")
    page.goto(f"{base_url}/demo?reader=dev")
    expect(thread(page).locator("#modq-count")).to_be_visible()
    expect(thread(page).locator(f"#c-{target} > article")).to_have_count(0)
    expect(thread(page).locator(f"#c-{target} > .modq-removed")).to_be_visible()  # its replies stay
