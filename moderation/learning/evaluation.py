"""`modq eval`: run the scorers and the policy over labelled examples and measure them.

An example is one JSON line:
    {"text": ..., "article": {"title": ..., "body": ...} or null, "parent": text or null,
     "section": name or null, "discussion": [other published comments' texts, oldest first],
     "labels": {"abusive": 0|1, "on_topic": 0|1, "decision": "publish"|"reject"|"review"}}
with any label optional. Given a history (one site's past comments, in the same format), the
on-topic lines are learned from it first, as the service learns a site's lines from its own
published comments. Nothing is written to the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moderation.errors import Invalid
from moderation.kinds import Action, RelevanceMethod, ScorerName
from moderation.learning.topic_lines import Scored, as_learned, learn_lines
from moderation.policy.document import Policy
from moderation.policy.rules import decide
from moderation.policy.topic_line import SITE, LearnedLine, line_for
from moderation.policy.verdicts import Context, Verdict
from moderation.signals.base import Scorer, ScoringInput, SignalResult, run_scorers
from moderation.signals.relevance.article_vectors import article_key
from moderation.signals.relevance.scorer import RelevanceScorer

BATCH = 64
# Which score of which signal is compared with which label; higher means "more of the label".
COMPARISONS: dict[str, list[tuple[str, Callable[[SignalResult], float]]]] = {
    "abusive": [
        (ScorerName.DETOXIFY, lambda s: max(s.scores.values(), default=0.0)),
        (ScorerName.LEXICAL, lambda s: s.scores.get("profanity", 0.0)),
        (ScorerName.WORDS, lambda s: s.scores.get("reject", 0.0) + s.scores.get("review", 0.0)),
    ],
    "on_topic": [(ScorerName.RELEVANCE, lambda s: s.scores.get("on_topic", 0.0))],
}


class ExampleError(Invalid):
    """A line of the examples file is not a valid example; the message says which and why."""


@dataclass(frozen=True)
class Example:
    """One labelled comment."""

    text: str
    article_title: str = ""
    article_body: str = ""
    parent: str | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    section: str | None = None
    discussion: tuple[str, ...] = ()

    @property
    def article_id(self) -> str:
        """The article's identity within an evaluation (its text's digest)."""
        if not (self.article_title or self.article_body):
            return ""
        return article_key(self.article_title, None, self.article_body, "")

    def as_input(self, index: int) -> ScoringInput:
        """What the scorers see."""
        return ScoringInput(
            f"example-{index}",
            self.text,
            self.article_title,
            self.article_body,
            self.section,
            self.parent,
            article_id=self.article_id,
            discussion=self.discussion,
        )


def read_examples(path: Path) -> list[Example]:
    """Every example of a JSON-lines file, or ExampleError naming the first bad line."""
    found = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                found.append(_example(line, number))
    return found


def _example(line: str, number: int) -> Example:
    try:
        raw = json.loads(line)
        article = raw.get("article") or {}
        labels = raw.get("labels") or {}
        if not isinstance(raw.get("text"), str) or not raw["text"].strip():
            raise ValueError("'text' must be a non-empty string")
        if not isinstance(article, dict) or not isinstance(labels, dict):
            raise ValueError("'article' and 'labels' must be objects")
        return Example(
            raw["text"],
            str(article.get("title") or ""),
            str(article.get("body") or ""),
            raw.get("parent"),
            labels,
            _optional_text(raw, "section"),
            _texts(raw, "discussion"),
        )
    except (ValueError, AttributeError) as exc:
        raise ExampleError(f"line {number}: {exc}") from None


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string or null")
    return value or None


def _texts(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"'{key}' must be a list of texts")
    return tuple(t for t in value if t.strip())


def prepare_relevance(scorer: RelevanceScorer, examples: Sequence[Example]) -> None:
    """Embed the examples' articles and remember their comments (or the parents replies
    answer) and each article's longest discussion before scoring, so the first examples are
    judged against a background of other articles and discussions too."""
    discussions: dict[str, tuple[str, ...]] = {}
    for e in examples:
        if e.article_id and len(e.discussion) > len(discussions.get(e.article_id, ())):
            discussions[e.article_id] = e.discussion
    scorer.prepare(
        [(e.article_title, e.article_body) for e in examples],
        [e.parent or e.text for e in examples],
        discussions,
    )


def learned_lines(
    history: Sequence[Example], signals: Sequence[dict[str, SignalResult]], policy: Policy
) -> dict[str, LearnedLine]:
    """The lines the service would learn had `history` (oldest first) been published."""
    scored = [
        Scored(
            s.scores.get("on_topic", 0.0),
            float(s.details.get("confidence", 1.0)),
            e.section or SITE,
            s.version,
        )
        for e, found in zip(history, signals, strict=True)
        if (s := found.get(ScorerName.RELEVANCE)) is not None
        and s.ok
        and s.details.get("method") == RelevanceMethod.SEMANTIC
    ]
    return as_learned(learn_lines(scored[::-1], policy))


def score_examples(
    examples: Sequence[Example],
    scorers: Sequence[Scorer],
    progress: Callable[[int], None] = lambda _: None,
) -> list[dict[str, SignalResult]]:
    """Every scorer's signal for every example, BATCH at a time."""
    results: list[dict[str, SignalResult]] = []
    for start in range(0, len(examples), BATCH):
        chunk = [e.as_input(start + i) for i, e in enumerate(examples[start : start + BATCH])]
        results += run_scorers(scorers, chunk)
        progress(len(chunk))
    return results


def evaluate(
    examples: Sequence[Example],
    history: Sequence[Example],
    scorers: Sequence[Scorer],
    policy: Policy,
    progress: Callable[[int], None] = lambda _: None,
) -> dict[str, Any]:
    """What `modq eval` reports: the on-topic lines learned from `history` first (when there
    is one), then every scorer and the policy over `examples`."""
    relevance = [s for s in scorers if isinstance(s, RelevanceScorer)]
    for scorer in relevance:
        prepare_relevance(scorer, [*history, *examples])
    learned = score_examples(history, relevance, progress) if history else []
    lines = learned_lines(history, learned, policy)
    return report(examples, score_examples(examples, scorers, progress), policy, lines)


def report(
    examples: Sequence[Example],
    signals: Sequence[dict[str, SignalResult]],
    policy: Policy,
    lines: dict[str, LearnedLine] | None = None,
) -> dict[str, Any]:
    """The figures of `modq eval`, as one JSON-ready dictionary (decided with the learned
    on-topic lines when there are any)."""
    lines = lines or {}
    verdicts = [
        decide(s, policy, Context(section=e.section, topic_line=line_for(lines, e.section)))
        for e, s in zip(examples, signals, strict=True)
    ]
    automatic = [v.action is not Action.REVIEW for v in verdicts]
    return {
        "lines": {k or "site": {"line": v.value, "comments": v.comments} for k, v in lines.items()},
        "examples": len(examples),
        "auc": _aucs(examples, signals),
        "decided_automatically": _share(automatic),
        "actions": {a.value: sum(v.action is a for v in verdicts) for a in Action},
        "agreement": _agreement(examples, verdicts),
        "off_topic": _off_topic(examples, verdicts),
        "policy": policy.version,
    }


def _aucs(
    examples: Sequence[Example],
    signals: Sequence[dict[str, SignalResult]],
) -> dict[str, dict[str, float | None]]:
    aucs: dict[str, dict[str, float | None]] = {}
    for label, comparisons in COMPARISONS.items():
        for scorer, score in comparisons:
            pairs = [
                (int(e.labels[label]), score(s[scorer]))
                for e, s in zip(examples, signals, strict=True)
                if label in e.labels and scorer in s and s[scorer].ok
            ]
            if pairs:
                aucs.setdefault(label, {})[scorer] = roc_auc(
                    [y for y, _ in pairs], [x for _, x in pairs]
                )
    return aucs


def _agreement(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """For each automatic action: how often the labels agree with it."""
    found: dict[str, Any] = {}
    for action, abusive in ((Action.PUBLISH, 0), (Action.REJECT, 1)):
        taken = [e for e, v in zip(examples, verdicts, strict=True) if v.action is action]
        with_decision = [e for e in taken if "decision" in e.labels]
        with_abuse = [e for e in taken if "abusive" in e.labels]
        found[action.value] = {
            "count": len(taken),
            "matches_decision_label": _share(
                e.labels["decision"] == action.value for e in with_decision
            ),
            "matches_abusive_label": _share(
                int(e.labels["abusive"]) == abusive for e in with_abuse
            ),
        }
    return found


def _off_topic(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Share of on-topic examples flagged off-topic (of all, and of those without a parent,
    which only the article and the discussion vouch for), and of off-topic ones caught."""
    flagged = [any(r.code == "off_topic" for r in v.reasons) for v in verdicts]
    pairs = list(zip(examples, flagged, strict=True))
    on = [f for e, f in pairs if e.labels.get("on_topic") == 1]
    off = [f for e, f in pairs if e.labels.get("on_topic") == 0]
    top_level = [f for e, f in pairs if e.labels.get("on_topic") == 1 and e.parent is None]
    return {
        "on_topic_flagged": _share(on),
        "on_topic_flagged_top_level": _share(top_level),
        "off_topic_caught": _share(off),
        "on_topic_examples": len(on),
        "on_topic_top_level_examples": len(top_level),
        "off_topic_examples": len(off),
    }


def _share(values: Iterable[bool]) -> float | None:
    found = list(values)
    return round(sum(found) / len(found), 4) if found else None


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties counted half), or None without both classes."""
    if len(set(labels)) < 2:
        return None
    from sklearn.metrics import roc_auc_score  # scikit-learn comes with alt-profanity-check

    return round(float(roc_auc_score(list(labels), list(scores))), 4)
