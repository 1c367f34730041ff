"""Who may write through the intake API: a site's key, or a reader's browser on a site with
open intake; and how much: the rate limits, and whether an author is over their fair share."""

from __future__ import annotations

import ipaddress

from flask import request
from werkzeug.exceptions import Forbidden

from moderation import sites
from moderation.comments.intake import find_article
from moderation.kinds import RateScope
from moderation.models import ApiKey, Site
from moderation.ratelimit import Quota
from web.runtime import db, runtime

NEEDS_KEY = "this call needs a site's API key: Authorization: Bearer <key>"


def site_key() -> ApiKey:
    """The caller's live API key, or KeyRefused saying why not."""
    header = request.headers.get("Authorization")
    if header is None:
        raise sites.KeyRefused(NEEDS_KEY)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise sites.KeyRefused(NEEDS_KEY, presented=True)
    return sites.authenticate(db(), token.strip())


def comment_key() -> ApiKey | None:
    """The caller's key; None when none was sent and some site takes keyless comments (a bad
    key is refused all the same)."""
    if "Authorization" not in request.headers and any_open_intake():
        return None
    return site_key()


def any_open_intake() -> bool:
    """True when some site takes comments without a key."""
    return bool(sites.open_sites(db()))


def open_intake_site(article_id: str) -> Site:
    """The site of `article_id` when it takes keyless comments from this request's origin."""
    article = find_article(db(), article_id)
    site = db().get(Site, article.site_id) if article else None
    if site is None or not site.open_intake:
        raise sites.KeyRefused(NEEDS_KEY)
    origin = request.headers.get("Origin")
    if origin is not None and origin not in site.origins:
        raise Forbidden(f"comments for this site are not accepted from {origin}")
    return site


def admit(site: Site, key: ApiKey | None, author_id: str | None, address: str | None) -> bool:
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
