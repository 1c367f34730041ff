"""The intake API, version 1: articles in, comments in, statuses and published threads out."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from moderation.comments.intake import (
    IdempotencyConflict,
    find_article,
    submit_comment,
    upsert_article,
)
from moderation.comments.threads import ThreadNode, published_threads
from moderation.comments.validation import (
    MAX_IDEMPOTENCY_KEY_CHARS,
    ValidationError,
    is_ip_address,
    json_integer,
    parse_article,
    parse_comment,
    parse_identifier,
    text_problem,
)
from moderation.models import Article, Comment
from moderation.policy.reasons import public_sentence
from web import cors, site_access
from web.errors import json_error
from web.runtime import db, runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")
cors.register(bp)
MAX_PER_PAGE = 100
# ASCII digits only ("²".isdigit() is True) and few enough to stay a sane integer.
_PAGE_NUMBER = re.compile(r"[0-9]{1,9}")


def json_body() -> Any:
    """The request's JSON document, or a 4xx saying why it cannot be read."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH this raises 413
    try:
        return json.loads(raw, parse_int=json_integer)
    except UnicodeDecodeError:
        raise BadRequest("the body is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadRequest("the body is not valid JSON: nested too deeply") from None


@bp.put("/articles/<article_id>")
def put_article(article_id: str) -> tuple[Response, int]:
    """Create or update one of the calling site's articles."""
    key = site_access.site_key()
    external_id = parse_identifier(article_id, "article_id")
    data = parse_article(json_body())
    site_access.admit(key.site, key, None, None)
    article, created = upsert_article(db(), key.site_id, external_id, data)
    return jsonify(article_json(article)), 201 if created else 200


@bp.get("/articles/<article_id>")
def get_article(article_id: str) -> Response:
    """One article as stored."""
    return jsonify(article_json(_article_or_404(article_id)))


@bp.post("/comments")
def post_comment() -> tuple[Response, int, dict[str, str]] | tuple[Response, int]:
    """Accept a comment for moderation: stored now, scored in the background."""
    settings = runtime().settings
    key = site_access.comment_key()
    submission = parse_comment(json_body(), settings.max_comment_chars)
    idempotency_key = _idempotency_key()
    site = key.site if key else site_access.open_intake_site(submission.article_id)
    # A site relaying comments from its server is one address for every reader, so by default
    # only the client_ip it sends counts; when browsers post directly, the connection does
    # (and a client_ip they send is ignored: a reader could pick any).
    if key is None or settings.reader_address == "connection":
        address = request.remote_addr or ""
        submission = dataclasses.replace(
            submission, client_ip=address if is_ip_address(address) else None
        )
    deferred = site_access.admit(site, key, submission.author_id, submission.client_ip)
    try:
        comment, created = submit_comment(
            db(),
            site.id,
            submission,
            runtime().enqueue,
            idempotency_key,
            ip_key=current_app.secret_key or "",
            deferred=deferred,
            articles=runtime().articles,
        )
    except IdempotencyConflict as exc:
        return json_error(409, "idempotency_conflict", str(exc))
    location = url_for("api.get_comment", comment_id=comment.id, _external=True)
    body = {"id": comment.id, "status": comment.status, "status_url": location}
    headers = {"Location": location, **({} if created else {"Idempotent-Replayed": "true"})}
    return jsonify(body), 202, headers


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if problem := text_problem(key, MAX_IDEMPOTENCY_KEY_CHARS):
        raise ValidationError({"Idempotency-Key": problem})
    return key.strip()


@bp.get("/comments/<comment_id>")
def get_comment(comment_id: str) -> Response:
    """A comment's status and the public reasons for it."""
    # Checked first: PostgreSQL refuses NUL characters in a query with an error, not a miss.
    comment = db().get(Comment, parse_identifier(comment_id, "comment_id"))
    if comment is None:
        abort(404, description="no comment with this id")
    return jsonify(comment_status_json(comment))


@bp.get("/articles/<article_id>/comments")
def list_published(article_id: str) -> Response:
    """Published comments of an article, threaded, a page of top-level threads at a time."""
    article = _article_or_404(article_id)
    page = _positive_int("page", 1, None)
    per_page = _positive_int("per_page", 20, MAX_PER_PAGE)
    threads = published_threads(db(), article, page, per_page)
    next_url = (
        url_for(
            "api.list_published",
            article_id=article.external_id,
            page=page + 1,
            per_page=per_page,
            _external=True,
        )
        if threads.has_next
        else None
    )
    return jsonify(
        {
            "article_id": article.external_id,
            "page": page,
            "per_page": per_page,
            "total_threads": threads.total_threads,
            "next": next_url,
            "comments": [thread_json(node) for node in threads.threads],
        }
    )


def _article_or_404(article_id: str) -> Article:
    article = find_article(db(), parse_identifier(article_id, "article_id"))
    if article is None:
        abort(404, description="no article with this id")
    return article


def _positive_int(name: str, default: int, maximum: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if (
        not _PAGE_NUMBER.fullmatch(raw)
        or int(raw) < 1
        or (maximum is not None and int(raw) > maximum)
    ):
        upper = f" and at most {maximum}" if maximum else ""
        raise ValidationError({name: f"must be a whole number of at least 1{upper}"})
    return int(raw)


def article_json(article: Article) -> dict[str, Any]:
    """The public form of an article."""
    return {
        "id": article.external_id,
        "title": article.title,
        "url": article.url,
        "section": article.section,
        "updated_at": article.updated_at.isoformat(),
    }


def comment_status_json(comment: Comment) -> dict[str, Any]:
    """What a status URL shows its holder: the status and the public reasons, nothing else.

    Whoever holds the URL may not be the author (URLs get shared), so the text, the author,
    moderators' notes, matched list entries, scores and errors stay with the moderators.
    """
    last = comment.decisions[-1] if comment.decisions else None
    return {
        "id": comment.id,
        "status": comment.status,
        "reasons": public_reasons(last.reasons) if last else [],
        "decided_by": last.decider if last else None,
        "article_id": comment.article.external_id,
        "created_at": comment.created_at.isoformat(),
        "decided_at": comment.decided_at.isoformat() if comment.decided_at else None,
    }


def public_reasons(reasons: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each reason's code and the fixed sentence for commenters; never the stored detail."""
    return [{"code": r["code"], "message": public_sentence(r["code"])} for r in reasons]


def thread_json(node: ThreadNode) -> dict[str, Any]:
    """A published comment and its replies. A hidden comment keeps its place in the thread as
    a placeholder with no id: an id would open its status URL."""
    replies = [thread_json(reply) for reply in node.replies]
    if node.comment is None:
        return {"removed": True, "replies": replies}
    c = node.comment
    return {
        "id": c.id,
        "author": {"name": c.author_name},
        "body": c.body,
        "created_at": c.created_at.isoformat(),
        "replies": replies,
    }
