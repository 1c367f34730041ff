"""No script runs from what strangers send (issue 10): a corpus of injection vectors placed in
comment bodies, author names and ids, article titles, sections and URLs, reasons, signals and
moderators' notes, rendered in headless Chromium on every page that shows them, with the
Content-Security-Policy off (escaping alone must hold) and on. A sentinel function and a
dialog handler catch any vector that runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select, update

from moderation.db import utcnow
from moderation.learning.models import DriftAlert, SpotCheck, TopicLine
from moderation.models import Comment, Decision, Signal
from tests.conftest import MODERATOR_PASSWORD, site_client
from tests.web.xss_vectors import TEXT_VECTORS, URL_VECTORS

pytestmark = pytest.mark.browser
BATCH = 33  # comments per queue page (the queue shows 50)
SENTINEL = "window.__xssHits = []; window.__xss = (n) => window.__xssHits.push(n);"


class Watched:
    """A logged-in page whose every script execution from a vector is recorded."""

    def __init__(self, context: BrowserContext, base_url: str) -> None:
        self.base_url, self.dialogs = base_url, []
        context.add_init_script(SENTINEL)
        self.page: Page = context.new_page()
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )
        self.visited: list[str] = []

    def hits(self) -> list[object]:
        """Sentinel calls on the page now showing, plus every dialog so far."""
        self.page.wait_for_load_state("networkidle")
        return [*self.page.evaluate("window.__xssHits || []"), *self.dialogs]

    def open(self, path: str) -> list[object]:
        self.page.goto(self.base_url + path, wait_until="networkidle")
        self.visited.append(self.page.url)
        return self.hits()

    def log_in(self) -> None:
        self.open("/login")
        self.page.fill("input[name=username]", "alice")
        self.page.fill("input[name=password]", MODERATOR_PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/review/")


@pytest.fixture(params=["csp-off", "csp-on"])
def watched(request: pytest.FixtureRequest, browser: Browser, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(bypass_csp=request.param == "csp-off")
    yield Watched(context, base_url)
    context.close()


def post_batch(app: Flask, vectors: list[str], offset: int) -> list[str]:
    """Articles and comments carrying the vectors, through the intake API, all in review."""
    client = site_client(app)
    ids: list[str] = []
    for i, vector in enumerate(vectors, start=offset):
        article = {
            "title": vector,
            "section": vector,
            "url": URL_VECTORS[i % len(URL_VECTORS)],
            "body": f"Energy talks. {vector}",
        }
        assert client.put(f"/api/v1/articles/x{i}", json=article).status_code == 201
        comment = {
            "article_id": f"x{i}",
            "author": {"id": vector, "name": vector},
            "body": vector,
            **({"parent_id": ids[-1], "article_id": f"x{i - 1}"} if ids and i % 2 else {}),
        }
        response = client.post("/api/v1/comments", json=comment)
        assert response.status_code == 202, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def decorate(app: Flask, ids: list[str], vectors: list[str]) -> None:
    """What workers and the policy add, carrying the vectors too: reasons with moderators'
    details, a failed signal's error, a matched word, the closest passage; a spot-check each;
    a drift alert; on-topic lines learned for sections named by the vectors."""
    learned_at = utcnow()
    with app.extensions["modq"].session_factory() as session:
        for comment_id, vector in zip(ids, vectors, strict=True):
            reason = {"code": "banned_word", "message": vector, "public": "Not allowed."}
            session.add(Decision(comment_id=comment_id, action="review", reasons=[reason]))
            session.add(
                Signal(
                    comment_id=comment_id,
                    scorer="activity",
                    version=vector,
                    state="failed",
                    error=vector,
                )
            )
            match = {"pattern": vector, "action": "flag", "start": 0, "end": 3, "text": vector}
            session.add(
                Signal(
                    comment_id=comment_id,
                    scorer="words",
                    version="v",
                    state="ok",
                    scores={"flag": 1.0},
                    details={"matches": [match], "best_passage": vector},
                )
            )
            session.add(SpotCheck(comment_id=comment_id, action="publish"))
            session.add(
                TopicLine(
                    site_id=session.get(Comment, comment_id).site_id,
                    section=vector,
                    line=0.1,
                    share=0.03,
                    comments=250,
                    scorer_version=vector,
                    computed_at=learned_at,
                )
            )
        session.add(DriftAlert(label=vectors[0], psi=0.5, recent=80, baseline=900))
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(status="review"))
        session.commit()


def retire(app: Flask, ids: list[str]) -> None:
    """Take a batch off the queue and the spot-check list, so the next batch shows."""
    with app.extensions["modq"].session_factory() as session:
        session.execute(update(Comment).where(Comment.id.in_(ids)).values(status="published"))
        session.execute(
            update(SpotCheck).where(SpotCheck.comment_id.in_(ids)).values(verdict="confirmed")
        )
        session.commit()


def act_on_first_card(watched: Watched) -> list[object]:
    """Pre-moderate the card's author, publish the card that follows (messages name them),
    then send an author form with an invalid token (the confirm page shows what it kept)."""
    hits = watched.open("/review/")
    page = watched.page
    page.locator("#card-slot .author-form button").first.click()
    page.wait_for_load_state("networkidle")
    hits += watched.hits()
    page.locator("#card-slot button.publish").click()
    expect(page.locator(".flash").last).to_contain_text("Published the comment by")
    page.wait_for_load_state("networkidle")
    hits += watched.hits()
    form = page.locator("#card-slot form.author-form").last
    form.locator("input[name=csrf_token]").evaluate("input => input.value = 'stale'")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Confirm again"
    return hits + watched.hits()


def test_the_corpus_is_large_enough() -> None:
    assert len(TEXT_VECTORS) >= 60 and len(set(TEXT_VECTORS)) == len(TEXT_VECTORS)


def test_the_sentinel_sees_a_script_that_runs(browser: Browser) -> None:
    # The control: without escaping, a vector from the corpus is caught.
    context = browser.new_context(bypass_csp=True)
    context.add_init_script(SENTINEL)
    page = context.new_page()
    page.set_content(f"<div>{TEXT_VECTORS[1]}</div>")
    assert page.evaluate("window.__xssHits") == [2]
    context.close()


def test_no_vector_runs_on_any_page(app: Flask, watched: Watched, moderator: object) -> None:
    watched.log_in()
    hits: dict[str, list[object]] = {}
    for offset in range(0, len(TEXT_VECTORS), BATCH):
        vectors = TEXT_VECTORS[offset : offset + BATCH]
        ids = post_batch(app, vectors, offset)
        decorate(app, ids, vectors)
        for path in ("/review/", "/review/spot-checks", "/review/stats"):
            hits[f"{path} batch {offset}"] = watched.open(path)
            if path != "/review/stats":  # the vectors are on the page, as text
                # The card in focus is the first by priority: one of this batch, as text.
                assert watched.page.locator(".card .body").first.inner_text() in vectors
        hits[f"decision batch {offset}"] = act_on_first_card(watched)
        hits[f"API batch {offset}"] = watched.open(f"/api/v1/comments/{ids[0]}")
        retire(app, ids)
    with app.extensions["modq"].session_factory() as session:
        shown = session.scalar(select(Comment.body).where(Comment.id == ids[-1]))
    assert shown == TEXT_VECTORS[-1], "the vectors are stored as sent"
    assert {page: found for page, found in hits.items() if found} == {}
    assert len(watched.visited) >= 2 * 4
