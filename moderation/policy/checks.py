"""One function per signal: what the policy document makes of it, as reasons. Pure; no I/O.

Each takes the signal (or None when the scorer did not run) and the policy, and returns the
reasons it finds; `rules.decide` combines them.
"""

from __future__ import annotations

from collections.abc import Mapping

from moderation.kinds import Action, FailureMode, RelevanceMethod
from moderation.policy.document import Policy
from moderation.policy.reasons import LABEL_CODES
from moderation.policy.topic_line import LearnedLine
from moderation.policy.verdicts import Context, Reason
from moderation.signals.base import SignalResult
from moderation.signals.links import LINK_COUNT, listed


def failed_checks(signals: Mapping[str, SignalResult], policy: Policy) -> list[Reason]:
    """A review reason for each fail-closed check that did not produce scores."""
    return [
        Reason("check_failed", f"The {name} check did not run: {_why(signals.get(name))}")
        for name, mode in policy.failure.items()
        if mode is FailureMode.CLOSED and (name not in signals or not signals[name].ok)
    ]


def _why(signal: SignalResult | None) -> str:
    if signal is None:
        return "no result."
    return signal.error or signal.state.value


def _usable(signal: SignalResult | None) -> SignalResult | None:
    """The signal when its scores can be trusted, else None."""
    return signal if signal is not None and signal.ok else None


def abuse_reasons(
    signal: SignalResult | None, swapped: SignalResult | None, policy: Policy
) -> list[Reason]:
    """Reject at or above a label's reject line, review in its band; a rejection that the
    identity guard's swapped texts do not confirm becomes a review."""
    signal, swapped = _usable(signal), _usable(swapped)
    if signal is None:
        return []
    reasons = []
    for label, score in sorted(signal.scores.items(), key=lambda kv: -kv[1]):
        band, code = policy.band(label), LABEL_CODES.get(label, label)
        if score >= band.reject_above:
            after_swap = swapped.scores.get(label) if swapped else None
            if after_swap is not None and after_swap < band.reject_above:
                reasons.append(
                    Reason(
                        "identity_bias",
                        f"{label} scored {score:.2f}, but "
                        f"{after_swap:.2f} with the group names swapped: possible "
                        "identity-term bias.",
                    )
                )
            else:
                reasons.append(
                    Reason(
                        code,
                        f"{label} scored {score:.2f}, at or above the "
                        f"reject line {band.reject_above:.2f}.",
                        Action.REJECT,
                    )
                )
        elif score >= band.publish_below:
            reasons.append(
                Reason(
                    code,
                    f"{label} scored {score:.2f}, between the publish line "
                    f"{band.publish_below:.2f} and the reject line "
                    f"{band.reject_above:.2f}.",
                )
            )
    return reasons


def lexical_reasons(signal: SignalResult | None, policy: Policy) -> list[Reason]:
    """Review when the embedded lexical model is very sure (never reject on it alone)."""
    line = policy.lexical_review_above
    signal = _usable(signal)
    if signal is None or line is None:
        return []
    score = signal.scores.get("profanity", 0.0)
    if score < line:
        return []
    return [Reason("offensive", f"The lexical model gives {score:.2f}, above {line:.2f}.")]


def relevance_reasons(
    signal: SignalResult | None, policy: Policy, learned: LearnedLine | None = None
) -> list[Reason]:
    """Review when the comment is confidently unrelated to what it answers, or written in a
    language the check cannot read (low-confidence calls never count as off-topic)."""
    signal = _usable(signal)
    if signal is None:
        return []
    rules, spoken = policy.on_topic, signal.details.get("language", "unknown")
    if "*" not in rules.languages and spoken not in (*rules.languages, "unknown"):
        return [
            Reason(
                "language",
                f"Written in a language the on-topic check does not read "
                f"({spoken}); a moderator should read it.",
            )
        ]
    score = signal.scores.get("on_topic", 0.0)
    minimum, source = _topic_line(signal, policy, learned)
    confidence = float(signal.details.get("confidence", 1.0))
    if score >= minimum or confidence < rules.min_confidence:
        return []
    target = (
        "the article or the comment it replies to"
        if "parent" in signal.scores or "parent_lexical" in signal.scores
        else "the article"
    )
    return [
        Reason(
            "off_topic",
            f"Not related to {target} (relevance {score:.2f}, below {minimum:.2f}{source}).",
        )
    ]


def _topic_line(
    signal: SignalResult, policy: Policy, learned: LearnedLine | None
) -> tuple[float, str]:
    """The line a relevance score is held to, and where it comes from."""
    if signal.details.get("method") == RelevanceMethod.LEXICAL:
        return policy.on_topic.min_lexical, ""
    if learned is None or not learned.applies_to(signal.version):
        return policy.on_topic.min, ""
    where = f" in {learned.section}" if learned.section else ""
    return learned.value, f", the line learned from {learned.comments} published comments{where}"


def word_reasons(signal: SignalResult | None, policy: Policy) -> list[Reason]:
    """What the word list's matches call for, as the policy maps their actions."""
    signal = _usable(signal)
    if signal is None:
        return []
    reasons = []
    for listed_action, code in (
        ("reject", "banned_word"),
        ("review", "suspect_word"),
        ("flag", "suspect_word"),
    ):
        action = policy.words.get(listed_action, "ignore")
        patterns = sorted(
            {
                m["pattern"]
                for m in signal.details.get("matches", [])
                if m["action"] == listed_action
            }
        )
        if patterns and action in ("reject", "review"):
            reasons.append(
                Reason(
                    code, f"Uses {', '.join(patterns)} (listed: {listed_action}).", Action(action)
                )
            )
    return reasons


def link_reasons(signal: SignalResult | None, policy: Policy) -> list[Reason]:
    """Denied domains, too many links, or link pre-moderation."""
    signal = _usable(signal)
    if signal is None:
        return []
    rules = policy.links
    domains = [d for d in signal.details.get("domains", []) if not listed(d, rules.allow)]
    denied = sorted(d for d in domains if listed(d, rules.deny))
    reasons = []
    if denied and rules.denied != "ignore":
        reasons.append(
            Reason(
                "links", f"Links to {', '.join(denied)}, on the deny list.", Action(rules.denied)
            )
        )
    if signal.scores.get(LINK_COUNT, 0) > rules.max_links:
        reasons.append(
            Reason("spam", f"{signal.scores[LINK_COUNT]:.0f} links, more than {rules.max_links}.")
        )
    if domains and rules.premoderate:
        reasons.append(Reason("links", "Comments with links are pre-moderated."))
    return reasons


def activity_reasons(
    activity: SignalResult | None, brigading: SignalResult | None, policy: Policy
) -> list[Reason]:
    """Repeats, posting rate and copies by other authors."""
    rules, reasons = policy.activity, []
    activity, brigading = _usable(activity), _usable(brigading)
    if activity is not None:
        scores = activity.scores
        if rules.repeat_above is not None and scores.get("repeat", 0.0) >= rules.repeat_above:
            reasons.append(
                Reason(
                    "repeat",
                    f"Repeats a recent comment of the author (similarity {scores['repeat']:.2f}).",
                )
            )
        for key, limit, who in (
            ("per_hour", rules.per_hour_above, "this author"),
            ("per_hour_same_ip", rules.per_hour_same_ip_above, "this network address"),
        ):
            if limit is not None and scores.get(key, 0.0) > limit:
                reasons.append(
                    Reason(
                        "rate_limit",
                        f"{scores[key]:.0f} comments from {who} in the last hour (limit {limit}).",
                    )
                )
    others, limit = (
        (brigading.scores.get("other_authors", 0.0) if brigading else 0.0),
        policy.brigading_other_authors,
    )
    if limit is not None and others >= limit:
        reasons.append(
            Reason(
                "spam",
                f"Nearly the same comment was posted by {others:.0f} "
                "other authors in the last day.",
            )
        )
    return reasons


def premoderation_reasons(context: Context, policy: Policy) -> list[Reason]:
    """Articles, sections and authors whose comments all go to review."""
    rules, author = policy.premoderation, context.author
    found = []
    if context.article_id in rules.articles:
        found.append("this article is pre-moderated")
    if context.section and context.section.lower() in rules.sections:
        found.append(f"the {context.section} section is pre-moderated")
    if author.premoderated:
        found.append("a moderator pre-moderates this author")
    if author.published < rules.new_authors_until_approved:
        found.append(
            f"new authors are pre-moderated until {rules.new_authors_until_approved} "
            f"comments are published (this one has {author.published})"
        )
    recent = author.recent_published + author.recent_rejected
    if (
        rules.rejection_rate_above is not None
        and recent >= rules.rejection_rate_min_decisions
        and author.recent_rejection_rate > rules.rejection_rate_above
    ):
        found.append(
            f"{author.recent_rejection_rate:.0%} of the author's recent comments were rejected"
        )
    return [Reason("pre_moderated", f"Pre-moderated: {why}.") for why in found]
