"""The API for readers' browsers and sites' servers speaking for a reader: a second thought
before posting (the pre-check), and reports on published comments (a reader token needed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify

from moderation.comments.validation import (
    MAX_ID_CHARS,
    ValidationError,
    parse_identifier,
    text_problem,
)
from moderation.models import Comment, Site
from moderation.readers.reports import parse_reason, report_comment
from moderation.sites import check_owner
from web import cors, reader_access, site_access
from web.api import article_or_404, json_body
from web.runtime import cheap_check, db, runtime

bp = Blueprint("readers_api", __name__, url_prefix="/api/v1")
cors.register(bp)


@bp.post("/comments/precheck")
def precheck() -> Response:
    """Whether the cheap checks find a comment abusive, before it is posted; nothing stored."""
    payload = json_body()
    article_id, body = _field(payload, "article_id", MAX_ID_CHARS), _body(payload)
    site = db().get(Site, article_or_404(article_id).site_id)
    assert site is not None
    _check_caller(site)
    result = cheap_check().check(body, runtime().policy(db()).readers)
    return jsonify({"abusive": result.abusive, "message": result.message})


def _check_caller(site: Site) -> None:
    """The site's key, a reader token of the site, or a site with anonymous comments."""
    if reader_access.header_reader(site) is not None or site.anonymous_comments:
        return
    key = site_access.site_key()
    check_owner(site.id, key.site_id, "this article")


@bp.post("/comments/<comment_id>/reports")
def report(comment_id: str) -> tuple[Response, int]:
    """A reader reports a published comment; the same reader twice counts once."""
    comment = db().get(Comment, parse_identifier(comment_id, "comment_id"))
    if comment is None:
        abort(404, description="no comment with this id")
    site = db().get(Site, comment.site_id)
    assert site is not None
    reader = reader_access.required_reader(site)
    payload = json_body()
    reason = parse_reason(payload.get("reason") if isinstance(payload, dict) else None)
    site_access.admit_report(site, reader.id)
    outcome = report_comment(
        db(), comment.id, reader.id, reason, runtime().policy(db()).readers.hide_after_reports
    )
    body = {"comment_id": comment.id, "counted": outcome.counted}
    return jsonify(body), 201 if outcome.counted else 200


def _field(payload: Any, name: str, limit: int) -> str:
    if not isinstance(payload, dict):
        raise ValidationError({"body": "must be a JSON object"})
    value = payload.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if problem := text_problem(value, limit) if value is not None else "is required":
        raise ValidationError({name: problem})
    return str(value)


def _body(payload: dict[str, Any]) -> str:
    return _field(payload, "body", runtime().settings.max_comment_chars)
