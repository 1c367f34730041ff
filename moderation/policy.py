"""The policy: signals in, an action and its reasons out. Pure; no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from moderation.models import Action
from moderation.scoring import SignalResult

ABUSE_SCORER = "detoxify"
RELEVANCE_SCORER = "relevance"
WORDS_SCORER = "words"
LINKS_SCORER = "links"
REQUIRED_SCORERS = (ABUSE_SCORER, RELEVANCE_SCORER)
# Below this confidence a low relevance score is not evidence of being off-topic.
MIN_OFF_TOPIC_CONFIDENCE = 0.5

# Each Detoxify label maps to the reason a site can show a commenter.
LABEL_REASONS = {
    "toxicity": "abusive",
    "severe_toxicity": "abusive",
    "obscene": "offensive",
    "insult": "insult",
    "threat": "threat",
    "identity_attack": "hate_speech",
    "sexual_explicit": "sexual_content",
}
SEVERITY = {Action.PUBLISH: 0, Action.REVIEW: 1, Action.REJECT: 2}


@dataclass(frozen=True)
class Thresholds:
    """Where the bands fall: publish below, reject at or above, review between."""

    abuse_publish_below: float
    abuse_reject_above: float
    on_topic_min: float
    on_topic_min_lexical: float = 0.05  # used when relevance fell back to words alone


@dataclass(frozen=True)
class Reason:
    """Why a decision was made: a code from a fixed vocabulary and a sentence for people."""

    code: str
    message: str
    action: Action = Action.REVIEW

    def as_dict(self) -> dict[str, str]:
        """The stored and published form."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    """The policy's decision."""

    action: Action
    reasons: tuple[Reason, ...]


def decide(signals: Mapping[str, SignalResult], thresholds: Thresholds) -> Verdict:
    """Publish clean on-topic comments, reject clear abuse, send the rest to review."""
    reasons = [
        *missing_checks(signals),
        *abuse_reasons(signals.get(ABUSE_SCORER), thresholds),
        *relevance_reasons(signals.get(RELEVANCE_SCORER), thresholds),
        *word_reasons(signals.get(WORDS_SCORER)),
        *link_reasons(signals.get(LINKS_SCORER)),
    ]
    if not reasons:
        return Verdict(
            Action.PUBLISH, (Reason("clean", "No check found a problem.", Action.PUBLISH),)
        )
    action = max((r.action for r in reasons), key=SEVERITY.__getitem__)
    return Verdict(action, tuple(sorted(reasons, key=lambda r: -SEVERITY[r.action])))


def missing_checks(signals: Mapping[str, SignalResult]) -> list[Reason]:
    """A review reason for each required check that did not produce scores (fail-closed)."""
    return [
        Reason("check_failed", f"The {name} check did not run: {_why(signals.get(name))}")
        for name in REQUIRED_SCORERS
        if name not in signals or not signals[name].ok
    ]


def _why(signal: SignalResult | None) -> str:
    if signal is None:
        return "no result."
    return signal.error or signal.state.value


def abuse_reasons(signal: SignalResult | None, thresholds: Thresholds) -> list[Reason]:
    """Reject reasons for labels at or above the reject line, review reasons for the band."""
    if signal is None or not signal.ok:
        return []
    reasons = []
    for label, score in sorted(signal.scores.items(), key=lambda kv: -kv[1]):
        code = LABEL_REASONS.get(label, label)
        if score >= thresholds.abuse_reject_above:
            reasons.append(
                Reason(
                    code,
                    f"{label} scored {score:.2f}, at or above the reject "
                    f"line {thresholds.abuse_reject_above:.2f}.",
                    Action.REJECT,
                )
            )
        elif score >= thresholds.abuse_publish_below:
            reasons.append(
                Reason(
                    code,
                    f"{label} scored {score:.2f}, between the publish line "
                    f"{thresholds.abuse_publish_below:.2f} and the reject line "
                    f"{thresholds.abuse_reject_above:.2f}.",
                )
            )
    return reasons


def relevance_reasons(signal: SignalResult | None, thresholds: Thresholds) -> list[Reason]:
    """Review when the comment is confidently unrelated to what it answers, or written in a
    language the check cannot read (low-confidence calls never count as off-topic)."""
    if signal is None or not signal.ok:
        return []
    if unread := signal.details.get("unsupported_language"):
        return [
            Reason(
                "language",
                f"Written in a language the on-topic check does not read "
                f"({unread}); a moderator should read it.",
            )
        ]
    score = signal.scores.get("on_topic", 0.0)
    lexical = signal.details.get("method") == "lexical"
    minimum = thresholds.on_topic_min_lexical if lexical else thresholds.on_topic_min
    confidence = float(signal.details.get("confidence", 1.0))
    if score >= minimum or confidence < MIN_OFF_TOPIC_CONFIDENCE:
        return []
    target = (
        "the article or the comment it replies to"
        if "parent" in signal.scores or "parent_lexical" in signal.scores
        else "the article"
    )
    return [
        Reason(
            "off_topic", f"Not related to {target} (relevance {score:.2f}, below {minimum:.2f})."
        )
    ]


def word_reasons(signal: SignalResult | None) -> list[Reason]:
    """Banned words reject, suspect words send to review; flagged words only show."""
    if signal is None or not signal.ok:
        return []
    matches = signal.details.get("matches", [])
    reasons = []
    for action, code, what in (
        (Action.REJECT, "banned_word", "a banned"),
        (Action.REVIEW, "suspect_word", "a suspect"),
    ):
        patterns = sorted({m["pattern"] for m in matches if m["action"] == action.value})
        if patterns:
            reasons.append(
                Reason(code, f"Uses {what} word or phrase: {', '.join(patterns)}.", action)
            )
    return reasons


def link_reasons(signal: SignalResult | None) -> list[Reason]:
    """Links to a denied domain send the comment to review."""
    if signal is None or not signal.ok or not signal.details.get("denied"):
        return []
    return [
        Reason(
            "links", f"Links to {', '.join(signal.details['denied'])}, which is on the deny list."
        )
    ]
