"""Who may write through the intake API: a site's key, or a reader's browser on a site with
open intake; and how much: the rate limits, and whether an author is over their fair share."""

from __future__ import annotations

import dataclasses
import ipaddress

from flask import current_app, request
from werkzeug.exceptions import Forbidden

from moderation import sites
from moderation.comments.intake import find_article, submit_comment
from moderation.comments.validation import CommentSubmission, is_ip_address
from moderation.kinds import RateScope
from moderation.models import Comment, Site
from moderation.ratelimit import Quota
from moderation.site_keys import KeyRef, SiteRef
from web.runtime import db, runtime

NEEDS_KEY = "this call needs a site's API key: Authorization: Bearer <key>"


def site_key() -> KeyRef:
    """The caller's live API key, or KeyRefused saying why not."""
    header = request.headers.get("Authorization")
    if header is None:
        raise sites.KeyRefused(NEEDS_KEY)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise sites.KeyRefused(NEEDS_KEY, presented=True)
    return runtime().keys.authenticate(db, token.strip())


def comment_key() -> KeyRef | None:
    """The caller's key; None when none was sent and some site takes keyless comments (a bad
    key is refused all the same)."""
    if "Authorization" not in request.headers and any_open_intake():
        return None
    return site_key()


def any_open_intake() -> bool:
    """True when some site takes comments without a key."""
    return bool(sites.open_sites(db()))


def open_intake_site(article_id: str) -> SiteRef:
    """The site of `article_id` when it takes keyless comments from this request's origin."""
    article = find_article(db(), article_id)
    site = db().get(Site, article.site_id) if article else None
    if site is None or not site.open_intake:
        raise sites.KeyRefused(NEEDS_KEY)
    origin = request.headers.get("Origin")
    if origin is not None and origin not in site.origins:
        raise Forbidden(f"comments for this site are not accepted from {origin}")
    return SiteRef.of(site)


def admit(
    site: Site | SiteRef, key: KeyRef | None, author_id: str | None, address: str | None
) -> bool:
    """Count one write against the rate limits (RateLimited when one is used up); True when
    the author is over their fair share, so the comment is scored after everyone else's."""
    settings = runtime().settings
    # Keyless comments of an open site share one budget, as if they came with one key.
    credential = f"key:{key.id}" if key else f"open:{site.id}"
    quotas = [Quota(RateScope.KEY, credential, settings.rate_limit_per_key)]
    if author_id is not None:
        subject = f"{site.id}:{author_id}"
        quotas.append(Quota(RateScope.AUTHOR, subject, settings.rate_limit_per_author))
    if address:
        canonical = str(ipaddress.ip_address(address.strip()))
        quotas.append(Quota(RateScope.ADDRESS, canonical, settings.rate_limit_per_address))
    counts = runtime().limiter.count(quotas)
    return 0 < settings.fair_share_per_author < counts.get(RateScope.AUTHOR, 0)


def admit_report(site: Site | SiteRef, reader_id: str) -> None:
    """Count one report against the reader's limit (RateLimited when it is used up)."""
    allowed = runtime().settings.rate_limit_reports
    runtime().limiter.count([Quota(RateScope.REPORTER, f"{site.id}:{reader_id}", allowed)])


def accept_comment(
    site: Site | SiteRef,
    key: KeyRef | None,
    submission: CommentSubmission,
    idempotency_key: str | None = None,
    second_thought: str | None = None,
) -> tuple[Comment, bool]:
    """The one intake path of the API and the embed: the reader's address, the rate limits,
    then stored and queued; returns (comment, created)."""
    settings = runtime().settings
    # A site relaying comments from its server is one address for every reader, so by default
    # only the client_ip it sends counts; when browsers post directly, the connection does
    # (and a client_ip they send is ignored: a reader could pick any).
    if key is None or settings.reader_address == "connection":
        address = request.remote_addr or ""
        submission = dataclasses.replace(
            submission, client_ip=address if is_ip_address(address) else None
        )
    deferred = admit(site, key, submission.author_id, submission.client_ip)
    return submit_comment(
        db(),
        site.id,
        submission,
        runtime().enqueue,
        idempotency_key,
        ip_key=str(current_app.secret_key or ""),
        deferred=deferred,
        second_thought=second_thought,
        articles=runtime().articles,
        closing=runtime().closing,
    )
