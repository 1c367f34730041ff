"""The embedded thread: a site's article's published comments, and forms to comment, reply and
report, in a frame on the site's page. Works without JavaScript; web/static/embed-frame.js
resizes the frame and opens reply forms in place.

Comments go through the API's intake path (validation, rate limits, storage, queue); the
reader is the one the site's token named (or an anonymous one, where the site allows it).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from flask import (
    Blueprint,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from moderation.comments.intake import IdempotencyConflict, find_article
from moderation.comments.threads import published_threads, unpublished_by
from moderation.comments.validation import ValidationError, parse_comment, parse_identifier
from moderation.db import utcnow
from moderation.kinds import ReportReason, SecondThought
from moderation.models import Article, Comment, Site
from moderation.ratelimit import RateLimited
from moderation.readers.reports import parse_reason, report_comment
from moderation.readers.tokens import Reader, ReaderRefused, read_token
from moderation.sites import embed_ancestors
from web import embed_state, site_access
from web.embed_state import ReaderState
from web.hooks import CONTENT_SECURITY_POLICY
from web.presenters.threads import views
from web.runtime import cheap_check, db, runtime

bp = Blueprint("embed", __name__, url_prefix="/embed")
log = logging.getLogger(__name__)
PER_PAGE = 20
HONEYPOT = "website"  # people never see this field; naive bots fill it in
POLICY_SENTENCE = (
    "Comments are moderated and generally will be posted if they are on-topic and not abusive."
)
CANNOT_POST = "Log in on the site to comment."
REPORT_REASONS = {
    ReportReason.ABUSIVE: "Abusive or hateful",
    ReportReason.SPAM: "Spam or advertising",
    ReportReason.OFF_TOPIC: "Off topic",
    ReportReason.OTHER: "Something else",
}


@dataclass
class CommentForm:
    """What the reader typed, and what the page says about it."""

    body: str = ""
    name: str = ""
    parent_id: str | None = None
    warned: bool = False  # the cheap checks found it abusive; the reader may post anyway
    errors: dict[str, str] = field(default_factory=dict)
    submission_id: str = field(default_factory=lambda: _new_id())


@bp.after_request
def allow_framing(response: Response) -> Response:
    """Let the site's own pages (and ours, for /demo) frame the thread, and no one else's."""
    site = g.get("embed_site")
    ancestors = " ".join(["'self'", *(embed_ancestors(site) if site else [])])
    policy = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}"
    )
    response.headers["Content-Security-Policy"] = policy
    return response


@bp.get("/articles/<article_id>")
def thread(article_id: str) -> Response:
    """The thread; `token` (the site's reader token) makes the reader a verified one."""
    article, site = _article(article_id)
    state, notice = embed_state.load_state(site), None
    token = request.args.get("token", "").strip()
    if token:
        try:
            state = embed_state.new_state(site, read_token(site, token))
        except ReaderRefused as exc:
            state, notice = None, f"You are not logged in here: {exc}."
    if request.args.get("reported"):
        notice = "Thank you: moderators will look at the comment you reported."
    state = state or embed_state.new_state(site, None)
    return _page(article, site, state, notice=notice)


@bp.post("/articles/<article_id>/comments")
def post_comment(article_id: str) -> Response:
    """A comment or reply from the embed's form, through the API's intake path."""
    article, site = _article(article_id)
    state = embed_state.check_form(site)
    if request.form.get(HONEYPOT):
        log.info("honeypot field filled in on article %s: nothing stored", article.external_id)
        return _back_to(article, state)
    form = _read_form()
    reader = _commenter(site, state, form.name)
    if reader is None:
        return _page(article, site, state, form, CANNOT_POST, status=403)
    payload = {
        "article_id": article.external_id,
        "parent_id": form.parent_id,
        "author": {"id": reader.id, "name": reader.name},
        "body": form.body,
    }
    try:
        submission = parse_comment(payload, runtime().settings.max_comment_chars)
    except ValidationError as exc:
        form.errors = {k.removeprefix("author."): v for k, v in exc.fields.items()}
        return _page(article, site, state, form, status=422)
    second_thought = None
    if form.warned and request.form.get("choice") == SecondThought.POSTED_ANYWAY:
        second_thought = SecondThought.POSTED_ANYWAY
    elif cheap_check().check(submission.body, runtime().policy(db()).readers).abusive:
        return _page(
            article, site, state, replace(form, warned=True, submission_id=secrets.token_hex(8))
        )
    elif form.warned:
        second_thought = SecondThought.EDITED
    try:
        comment, _ = site_access.accept_comment(
            site, None, submission, f"embed:{state.reader_id}:{form.submission_id}", second_thought
        )
    except RateLimited as exc:
        return _page(article, site, state, form, str(exc), status=429)
    except IdempotencyConflict:  # the same form sent twice with another text
        return _page(article, site, state, form, "This form was already sent.", status=409)
    if not state.verified:  # an anonymous reader's name is remembered for the next comment
        state = replace(state, name=reader.name)
    return _back_to(article, state, anchor=f"c-{comment.id}")


@bp.post("/comments/<comment_id>/reports")
def report(comment_id: str) -> Response:
    """A reader reports a published comment, with a reason."""
    comment = db().get(Comment, parse_identifier(comment_id, "comment_id"))
    if comment is None:
        abort(404, description="no comment with this id")
    site = _site(comment.site_id)
    state = embed_state.check_form(site)
    article = comment.article
    if not (state.verified or site.anonymous_comments):
        return _page(article, site, state, notice=CANNOT_POST, status=403)
    try:
        reason = parse_reason(request.form.get("reason"))
        site_access.admit_report(site, state.reader_id)
    except ValidationError:
        return _page(article, site, state, notice="Choose why you report it.", status=422)
    except RateLimited as exc:
        return _page(article, site, state, notice=str(exc), status=429)
    hide_after = runtime().policy(db()).readers.hide_after_reports
    report_comment(db(), comment.id, state.reader_id, reason, hide_after)
    return _back_to(article, state, reported="1")


def _second_thought(form: CommentForm, body: str) -> tuple[bool, SecondThought | None]:
    """Whether to warn the reader now, and what they chose after an earlier warning."""
    if form.warned and request.form.get("choice") == SecondThought.POSTED_ANYWAY:
        return False, SecondThought.POSTED_ANYWAY
    if cheap_check().check(body, runtime().policy(db()).readers).abusive:
        return True, None
    return False, SecondThought.EDITED if form.warned else None


def _new_id() -> str:
    return secrets.token_hex(8)


def _article(article_id: str) -> tuple[Article, Site]:
    article = find_article(db(), parse_identifier(article_id, "article_id"))
    if article is None:
        abort(404, description="no article with this id")
    return article, _site(article.site_id)


def _site(site_id: int) -> Site:
    site = db().get(Site, site_id)
    assert site is not None  # a foreign key
    g.embed_site = site
    return site


def _read_form() -> CommentForm:
    return CommentForm(
        body=request.form.get("body", ""),
        name=request.form.get("name", "").strip(),
        parent_id=request.form.get("parent_id") or None,
        warned=request.form.get("warned") == "1",
        submission_id=request.form.get("submission_id", "")[:32] or _new_id(),
    )


def _commenter(site: Site, state: ReaderState, typed_name: str) -> Reader | None:
    """The verified reader; an anonymous one under the name they typed where the site allows
    it; else None."""
    if state.verified:
        return state.reader
    if site.anonymous_comments:
        return Reader(state.reader_id, typed_name or state.name, False)
    return None


def _back_to(
    article: Article, state: ReaderState, anchor: str | None = None, **args: Any
) -> Response:
    target = url_for(".thread", article_id=article.external_id, _anchor=anchor, **args)
    response = redirect(target, 303)
    embed_state.keep_state(response, state)
    return response


def _page(
    article: Article,
    site: Site,
    state: ReaderState,
    form: CommentForm | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    order = "oldest" if request.args.get("order") == "oldest" else "newest"
    pages = _pages()
    mine = unpublished_by(db(), article, state.reader_id)
    threads = published_threads(
        db(),
        article,
        1,
        PER_PAGE * pages,
        hide_after=runtime().policy(db()).readers.hide_after_reports,
        newest_first=order == "newest",
        also=mine,
    )
    html = render_template(
        "embed/thread.html",
        article=article,
        site=site,
        state=state,
        token=embed_state.form_token(state),
        signed_state=embed_state.dump_state(state),
        can_post=state.verified or site.anonymous_comments,
        form=form or CommentForm(name=state.name),
        comments=views(threads.threads, utcnow(), site.show_reasons),
        threads=threads,
        order=order,
        pages=pages,
        reply_to=request.args.get("reply"),
        notice=notice,
        policy_sentence=POLICY_SENTENCE,
        report_reasons=REPORT_REASONS,
        honeypot=HONEYPOT,
        new_id=_new_id,
    )
    response = make_response(html, status)
    embed_state.keep_state(response, state)
    return response


def _pages() -> int:
    raw = request.args.get("pages", "1")
    return min(int(raw), 50) if raw.isdigit() and int(raw) > 0 else 1
