"""/demo: the demo article as a news site would show it, with the embedded thread under it,
so a newcomer sees the whole loop (comment, moderation, thread) in a browser.

The page plays the site's server: it signs reader tokens, but only for the demo readers
(moderation/comments/demo.py), never for a reader id someone asks for.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request

from moderation.comments.demo import DEMO_ARTICLE_ID, DEMO_READERS
from moderation.comments.intake import find_article
from moderation.models import Site
from moderation.readers.tokens import sign_token
from web.runtime import db

bp = Blueprint("demo", __name__)
TOKEN_LIFETIME = timedelta(hours=1)


@bp.get("/demo")
def page() -> tuple[str, int]:
    """The demo article with the embed, read as one of the demo readers (`?reader=`)."""
    article = find_article(db(), DEMO_ARTICLE_ID)
    if article is None:
        return render_template("demo/missing.html"), 404
    site = db().get(Site, article.site_id)
    assert site is not None
    reader = next((r for r in DEMO_READERS if r.key == request.args.get("reader")), DEMO_READERS[0])
    token = sign_token(site, reader.id, reader.name, TOKEN_LIFETIME)
    paragraphs = [p for p in article.body.split("\n\n") if p.strip()]
    return render_template(
        "demo/article.html",
        article=article,
        paragraphs=paragraphs,
        token=token,
        readers=DEMO_READERS,
        current=reader,
    ), 200
