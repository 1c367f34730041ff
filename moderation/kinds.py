"""The names every part of the service agrees on: statuses, actions, scorers, states,
verdicts, failure modes, login failures and session ends, and the shapes of the signal
details the UI reads.

Pure: the policy imports this without the ORM. A string naming one of these anywhere else is
a bug waiting for a typo.
"""

from __future__ import annotations

import enum
from typing import TypedDict


class CommentStatus(enum.StrEnum):
    """Where a comment stands; `review` means a moderator must decide."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    REVIEW = "review"


class Action(enum.StrEnum):
    """What a decision does to a comment."""

    PUBLISH = "publish"
    REJECT = "reject"
    REVIEW = "review"


STATUS_AFTER = {
    Action.PUBLISH: CommentStatus.PUBLISHED,
    Action.REJECT: CommentStatus.REJECTED,
    Action.REVIEW: CommentStatus.REVIEW,
}


class Decider(enum.StrEnum):
    """Who made a decision, as the public API says it: the policy or a moderator (never
    which moderator)."""

    POLICY = "policy"
    MODERATOR = "moderator"


class ScorerName(enum.StrEnum):
    """Every scorer, by the name its signals are stored under."""

    DETOXIFY = "detoxify"
    RELEVANCE = "relevance"
    LEXICAL = "lexical"
    WORDS = "words"
    LINKS = "links"
    ACTIVITY = "activity"
    BRIGADING = "brigading"
    IDENTITY = "identity"  # the identity-term guard's re-score, stored like a signal


class SignalState(enum.StrEnum):
    """Whether a scorer produced its scores for one comment."""

    OK = "ok"
    FAILED = "failed"
    TIMEOUT = "timeout"


class ScorerState(enum.StrEnum):
    """What a scorer says about itself: loaded, not yet loaded, or unable to load."""

    OK = "ok"
    NOT_LOADED = "not_loaded"
    UNAVAILABLE = "unavailable"


class Readiness(enum.StrEnum):
    """The service as a whole, for /readyz: `degraded` accepts comments but cannot decide
    all of them automatically."""

    OK = "ok"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"


class CheckState(enum.StrEnum):
    """One readiness check: the database, the broker, or what workers said of a scorer."""

    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"


class SpotCheckVerdict(enum.StrEnum):
    """A moderator's verdict on an automatic decision."""

    CONFIRMED = "confirmed"
    OVERTURNED = "overturned"


class FailureMode(enum.StrEnum):
    """What a failed check does: `closed` sends the comment to review, `open` ignores it."""

    OPEN = "open"
    CLOSED = "closed"


class RateScope(enum.StrEnum):
    """What an intake rate limit counts: calls per API key, comments per author or per
    reader address."""

    KEY = "key"
    AUTHOR = "author"
    ADDRESS = "address"
    REPORTER = "reporter"  # reports per reader of a site


class SecondThought(enum.StrEnum):
    """What a reader did when the cheap checks warned them before posting."""

    EDITED = "edited"  # changed the text until the checks were quiet
    POSTED_ANYWAY = "posted_anyway"


class ReportReason(enum.StrEnum):
    """Why a reader reports a published comment."""

    ABUSIVE = "abusive"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class RelevanceMethod(enum.StrEnum):
    """How the on-topic score was computed."""

    SEMANTIC = "semantic"
    LEXICAL = "lexical"


class LoginFailure(enum.StrEnum):
    """Why a login was refused, as the audit log records it."""

    WRONG_PASSWORD = "wrong_password"
    UNKNOWN_USERNAME = "unknown_username"
    INACTIVE = "inactive"
    ONE_TIME_PASSWORD_USED = "one_time_password_used"


class SessionEnd(enum.StrEnum):
    """Why a moderator's session ended."""

    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"
    IDLE = "idle"
    EXPIRED = "expired"
    DEACTIVATED = "deactivated"
    UNKNOWN = "unknown"  # never stored: a session id the database does not know


class EventType(enum.StrEnum):
    """What a webhook event says happened to a comment (the `type` of its body)."""

    PUBLISHED = "comment.published"
    REJECTED = "comment.rejected"
    REVIEW = "comment.review"
    REPORTED = "comment.reported"


EVENT_FOR_STATUS = {
    CommentStatus.PUBLISHED: EventType.PUBLISHED,
    CommentStatus.REJECTED: EventType.REJECTED,
    CommentStatus.REVIEW: EventType.REVIEW,
}


class DeliveryState(enum.StrEnum):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "pending"  # due now or later (also while its endpoint is paused)
    DELIVERED = "delivered"
    FAILED = "failed"  # every scheduled attempt failed; an admin may resend it
    WITHDRAWN = "withdrawn"  # its decision was undone before it went out


# ---- the signal details the policy and the review card read ------------------------------


class Span(TypedDict):
    """A stretch of the comment that drove a Detoxify score."""

    start: int
    end: int
    weight: float
    text: str


class MatchedWord(TypedDict):
    """Where a watched-word entry matched."""

    pattern: str
    action: str
    start: int
    end: int
    text: str


class DetoxifyDetails(TypedDict, total=False):
    """details of a `detoxify` signal."""

    top_label: str
    windows: int
    batch_size: int
    spans: list[Span] | None
    explanation: str


class WordsDetails(TypedDict, total=False):
    """details of a `words` signal."""

    matches: list[MatchedWord]


class LinksDetails(TypedDict, total=False):
    """details of a `links` signal."""

    domains: list[str]


class RelevanceDetails(TypedDict, total=False):
    """details of a `relevance` signal."""

    method: str
    language: str
    confidence: float
    compared_with: str
    best_passage: str
    shared_terms: list[str]
    parent_z: float


class BrigadingDetails(TypedDict, total=False):
    """details of a `brigading` signal."""

    similar_comments: list[str]


# ---- the moderators' workspace -----------------------------------------------------------


class Role(enum.StrEnum):
    """What a moderator may do: `admin` also manages moderators, word lists, the policy and
    lifts sanctions."""

    MODERATOR = "moderator"
    ADMIN = "admin"


class Queue(enum.StrEnum):
    """The lists of comments a moderator can work through."""

    REVIEW = "review"
    SPOT_CHECKS = "spot-checks"
    REPORTED = "reported"  # comments with readers' reports no moderator has decided
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    ALL = "all"


class QueueOrder(enum.StrEnum):
    """How the review queue is sorted: by expected harm, exposure and age, or oldest first."""

    PRIORITY = "priority"
    OLDEST = "oldest"


class SanctionKind(enum.StrEnum):
    """What a sanction does to an author's future comments."""

    BAN = "ban"  # rejected, with the reason
    SUSPEND = "suspend"  # rejected until a date
    PREMODERATE = "premoderate"  # always sent to review


class NoteSubject(enum.StrEnum):
    """What a moderator's note is about."""

    COMMENT = "comment"
    AUTHOR = "author"


class StrictMode(enum.StrEnum):
    """What the stricter mode does while no moderator is on duty: hold comments that need
    review (with a message to the reader), or close commenting on articles published since."""

    HOLD = "hold"
    CLOSE = "close"
