"""Readers' reports reach the site as `comment.reported`, and a moderator removing a reported
comment as `comment.rejected`, signed and delivered like every other event."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from moderation import accounts
from moderation.kinds import Action, CommentStatus, ReportReason
from moderation.models import Comment
from moderation.readers.reports import decide_reported, report_comment
from moderation.webhooks import delivery, endpoints
from moderation.webhooks.models import WebhookDelivery
from tests.support import factories
from tests.support.receiver import receiver


def published(session: Session) -> Comment:
    factories.article(session)
    comment = factories.comment(session)
    comment.status = CommentStatus.PUBLISHED
    session.commit()
    return comment


def deliver_all(session: Session) -> None:
    for due in session.scalars(select(WebhookDelivery.id)).all():
        delivery.attempt(session, due, allow_private=True)


def test_reports_and_their_removal_are_posted_to_the_site(any_session: Session) -> None:
    with receiver() as listening:
        site = factories.site(any_session)
        endpoint = endpoints.add_endpoint(any_session, site, listening.url, True)
        comment = published(any_session)
        report_comment(any_session, comment.id, "ana", ReportReason.SPAM, 3)
        report_comment(any_session, comment.id, "ana", ReportReason.SPAM, 3)  # counted once
        moderator = accounts.create_moderator(any_session, "alice", "correct horse battery")
        decide_reported(any_session, comment.id, moderator, Action.REJECT)
        deliver_all(any_session)
        payloads = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in listening.requests]
    assert [p["type"] for p in payloads] == ["comment.reported", "comment.rejected"]
    assert {p["data"]["comment_id"] for p in payloads} == {comment.id}
    removal = payloads[1]["data"]
    assert (removal["status"], removal["previous_status"]) == ("rejected", "published")
    assert "ana" not in json.dumps(payloads), "who reported stays with the moderators"
