"""Test data made through the same services the API uses."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from moderation import accounts, sites
from moderation.comments.intake import submit_comment, upsert_article
from moderation.comments.validation import ArticleData, CommentSubmission
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action, CommentStatus
from moderation.models import Article, Comment, Site

# A short news item, long enough for the on-topic check to be sure of itself (a title and one
# sentence is too thin to call a comment off-topic).
ARTICLE = ArticleData(
    title="Foreign minister visits Athens to discuss energy and trade",
    url="https://news.example.org/a/1",
    body=(
        "The foreign minister will discuss energy cooperation, shipping and trade in Athens.\n\n"
        "Officials said the two days of talks would cover gas exploration in the eastern "
        "Mediterranean, electricity links between the countries, port investment and the "
        "tariffs that exporters of olive oil, steel and textiles have complained about.\n\n"
        "Diplomats described the visit as an effort to repair relations after a cancelled "
        "summit. Shipping companies and energy firms will watch the negotiations closely, and "
        "opposition parties in parliament demanded that any agreement be published in full.\n\n"
        "Analysts expect a memorandum on renewable energy, a joint commission on maritime "
        "boundaries and new ferry routes between the islands, although fishing rights and "
        "migration remain disputed. Business groups hope lower customs duties will revive "
        "exports, while environmental campaigners warned that new drilling licences threaten "
        "tourism and protected coastal habitats."
    ),
    section="World",
)


def site(session: Session, name: str = "test") -> Site:
    """The site `name`, created on first use."""
    return sites.find_site(session, name) or sites.create_site(session, name)[0]


def article(
    session: Session, external_id: str = "a1", data: ArticleData = ARTICLE, site_name: str = "test"
) -> Article:
    """An article of the site `site_name`, stored through the intake service."""
    return upsert_article(session, site(session, site_name).id, external_id, data)[0]


def comment(
    session: Session,
    body: str = "Energy cooperation with Athens makes sense.",
    article_id: str = "a1",
    parent_id: str | None = None,
    author_id: str = "u1",
    key: str | None = None,
    queued: list[str] | None = None,
    site_name: str = "test",
) -> Comment:
    """A comment submitted through the intake service (to the site `site_name`)."""
    submission = CommentSubmission(article_id, parent_id, author_id, f"Reader {author_id}", body)
    sink = queued if queued is not None else []
    return submit_comment(
        session,
        site(session, site_name).id,
        submission,
        lambda entry: sink.append(entry.comment_id),
        key,
    )[0]


def moderator_decides(session: Session, comment_id: str, action: Action) -> None:
    """Put a comment in review, then let moderator bob decide it, as the review UI would."""
    session.execute(
        update(Comment).where(Comment.id == comment_id).values(status=CommentStatus.REVIEW)
    )
    session.commit()
    bob = accounts.authenticate(session, "bob", "password-of-bob")
    decide_as_moderator(
        session,
        comment_id,
        bob or accounts.create_moderator(session, "bob", "password-of-bob"),
        action,
    )
