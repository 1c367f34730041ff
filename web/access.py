"""Who may call what. Every endpoint is classified here, in one place: public, a site's, a
moderator's or an admin's. Anything not on the public or site lists needs a logged-in moderator,
so a route added without thought is closed rather than open; the admin list must match the views'
role check (tests/web/test_access.py checks every route against both).
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from moderation.kinds import SessionEnd
from web.errors import json_error, wants_json
from web.runtime import runtime

# Anyone may call these: what a stranger may read.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "favicon",
        "openapi.openapi",
        "api.get_article",
        "api.get_comment",
        "api.list_published",
        "health.healthz",
        "health.readyz",  # the status for anyone, the details for moderators
        "metrics.metrics",  # aggregate numbers only
        "auth.login",
        "auth.logout",  # ending no session is harmless, and the form carries a CSRF token
        "embed.thread",  # published comments, and a reader's own (by their signed state)
        "demo.page",  # signs tokens for the demo readers only
    }
)
# Sites' servers call these; their credential is the site's, not a moderator's login.
SITE_ENDPOINTS = frozenset({"api.put_article", "api.post_comment", "readers_api.precheck"})
# Readers call these: their credential is a site's reader token (or, in the embed, the signed
# reader state its forms carry with their CSRF token; anonymous readers where a site allows).
READER_ENDPOINTS = frozenset({"embed.post_comment", "embed.report", "readers_api.report"})
# Logged-in moderators only (also the default for anything unlisted).
MODERATOR_ENDPOINTS = frozenset(
    {
        "auth.password",
        "review.queue",
        "review.live",
        "card.next_card",
        "card.open_card",
        "card.renew",
        "card.skip",
        "card.decide",
        "card.undo_last",
        "card.override_decision",
        "card.note",
        "card.decide_reports",
        "authors.sanction",
        "bulk.preview",
        "bulk.confirm",
        "audit_log.page",
        "dashboard.page",
        "dashboard.export",
        "insight.spot_checks",
        "insight.check",
        "insight.premoderate",
        "insight.reject_all",
        "insight.stats",
    }
)
# Logged-in admins only: moderators and their roles, word lists, the policy, lifting sanctions.
ADMIN_ENDPOINTS = frozenset(
    {
        "admin.moderators",
        "admin.create",
        "admin.change_role",
        "admin.change_active",
        "admin.sanctions_page",
        "admin.lift",
        "admin_rules.words",
        "admin_rules.add_word",
        "admin_rules.remove_word",
        "admin_rules.policy",
        "admin_rules.activate",
        # sites, their keys, origins and intake; webhook endpoints and their delivery log
        "admin_sites.index",
        "admin_sites.create",
        "admin_sites.rotate",
        "admin_sites.origins",
        "admin_sites.intake",
        "admin_sites.readers",
        "admin_webhooks.index",
        "admin_webhooks.add",
        "admin_webhooks.rotate",
        "admin_webhooks.remove",
        "admin_webhooks.resume",
        "admin_webhooks.log",
        "admin_webhooks.resend",
    }
)


def refuse_anonymous() -> Response | tuple[Response, int] | None:
    """Before every request: send anonymous callers of a moderator's endpoint to the login
    page (pages) or answer 401 (JSON clients)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS | SITE_ENDPOINTS | READER_ENDPOINTS:
        return None  # no route (404/405 follow), or open to callers without a login
    if g.get("moderator") is not None:
        return None
    if wants_json():
        return json_error(401, "unauthorized", "log in as a moderator to use this")
    return login_redirect()


def login_redirect() -> Response:
    """To the login page, saying why a session ended; only a page can be returned to after
    login (a refused POST cannot be replayed)."""
    _say_why_the_session_ended()
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.login", next=target))


def _say_why_the_session_ended() -> None:
    settings = runtime().settings
    why = {
        SessionEnd.IDLE: f"Your session ended after {settings.session_idle_minutes} minutes "
        "without activity.",
        SessionEnd.EXPIRED: f"Your session reached its {settings.session_max_hours}-hour limit.",
        SessionEnd.PASSWORD_CHANGED: "Your session ended because the password was changed.",
    }.get(g.session_end)
    if why:
        flash(f"{why} Please log in again.", "info")
