"""Reading a policy document: YAML merged over the built-in one, every mistake reported by its
path.

A site's document is merged over the built-in one (default_policy.yaml), so it only states
what it changes. Unknown keys are errors (with the nearest known key suggested), so a typo
never silently leaves a default in place.
"""

from __future__ import annotations

import difflib
import hashlib
from importlib import resources
from typing import Any

from moderation.kinds import FailureMode
from moderation.policy.document import (
    LINK_ACTIONS,
    WORD_ACTIONS,
    Activity,
    Band,
    Links,
    OnTopic,
    Policy,
    PolicyError,
    PreModeration,
    Readers,
    Trust,
)


def builtin_text() -> str:
    """The built-in policy document."""
    return resources.files("moderation").joinpath("policy", "default_policy.yaml").read_text()


def load(text: str = "", version: str = "") -> Policy:
    """A policy from a site's YAML merged over the built-in one, or PolicyError."""
    import yaml

    base = yaml.safe_load(builtin_text())
    try:
        site = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}") from None
    if not isinstance(site, dict):
        raise PolicyError("the document must be a mapping of sections (labels:, links:, ...)")
    reader = Reader()
    merged = reader.merge(base, site, "")
    policy = reader.policy(merged)
    if reader.errors:
        raise PolicyError("invalid policy:\n  " + "\n  ".join(reader.errors))
    return _versioned(policy, version or (digest(text) if text.strip() else "builtin"))


def digest(text: str) -> str:
    """A short content digest naming a policy version."""
    return "sha-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _versioned(policy: Policy, version: str) -> Policy:
    from dataclasses import replace

    return replace(policy, version=version)


class Reader:
    """Reads sections, collecting errors with their path instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def merge(self, base: Any, site: Any, path: str) -> Any:
        """`site` over `base`; unknown keys are errors (labels and terms may add keys)."""
        if not isinstance(base, dict):
            return site
        if site is None:  # an empty section (`links:`) changes nothing
            return base
        if not isinstance(site, dict):
            self.errors.append(f"{path.rstrip('.')}: must be a section of keys, not {site!r}")
            return base
        merged = dict(base)
        for key, value in site.items():
            if key not in base and path not in ("labels.", "identity_guard.terms."):
                hint = difflib.get_close_matches(str(key), list(base), n=1)
                self.errors.append(
                    f"{path}{key}: unknown key" + (f" (did you mean '{hint[0]}'?)" if hint else "")
                )
                continue
            merged[key] = self.merge(base.get(key), value, f"{path}{key}.")
        return merged

    def number(
        self,
        raw: Any,
        path: str,
        low: float = 0.0,
        high: float = 1.0,
        optional: bool = False,
        whole: bool = False,
    ) -> Any:
        """A number in [low, high] (a whole one if `whole`), or None when optional."""
        if raw is None and optional:
            return None
        kind = int if whole else (int, float)
        if isinstance(raw, bool) or not isinstance(raw, kind) or not low <= raw <= high:
            what = "a whole number" if whole else "a number"
            self.errors.append(
                f"{path}: must be {what} from {low:g} to {high:g}"
                + (" (or null to turn the rule off)" if optional else "")
                + f", not {raw!r}"
            )
            return low
        return raw

    def choice(self, raw: Any, path: str, choices: tuple[str, ...]) -> str:
        """One of `choices`."""
        if raw not in choices:
            self.errors.append(f"{path}: must be one of {', '.join(choices)}, not {raw!r}")
            return choices[0]
        return str(raw)

    def flag(self, raw: Any, path: str) -> bool:
        """true or false."""
        if not isinstance(raw, bool):
            self.errors.append(f"{path}: must be true or false, not {raw!r}")
            return False
        return raw

    def words(self, raw: Any, path: str, lower: bool = True) -> tuple[str, ...]:
        """A list of strings (lower-cased unless they are identifiers)."""
        if not isinstance(raw, list) or not all(isinstance(w, str | int) for w in raw):
            self.errors.append(f"{path}: must be a list of words, not {raw!r}")
            return ()
        return tuple(str(w).strip().lower() if lower else str(w).strip() for w in raw)

    def band(self, raw: Any, path: str) -> Band:
        """A label's band, its lines in order."""
        if not isinstance(raw, dict) or set(raw) != {"publish_below", "reject_above"}:
            self.errors.append(f"{path}: must have publish_below and reject_above, not {raw!r}")
            return Band(0.0, 1.0)
        band = Band(
            self.number(raw["publish_below"], f"{path}.publish_below"),
            self.number(raw["reject_above"], f"{path}.reject_above"),
        )
        if band.publish_below > band.reject_above:
            self.errors.append(
                f"{path}: publish_below ({band.publish_below}) must not exceed "
                f"reject_above ({band.reject_above})"
            )
        return band

    def policy(self, doc: dict[str, Any]) -> Policy:
        """Every section of a merged document."""
        return Policy(
            labels={k: self.band(v, f"labels.{k}") for k, v in doc["labels"].items()},
            lexical_review_above=self.number(
                doc["lexical"]["review_above"], "lexical.review_above", optional=True
            ),
            on_topic=self.on_topic(doc["on_topic"]),
            words={k: self.choice(v, f"words.{k}", WORD_ACTIONS) for k, v in doc["words"].items()},
            links=self.links(doc["links"]),
            activity=self.activity(doc["activity"]),
            brigading_other_authors=self.number(
                doc["brigading"]["other_authors_at_least"],
                "brigading.other_authors_at_least",
                1,
                10_000,
                optional=True,
                whole=True,
            ),
            premoderation=self.premoderation(doc["premoderation"]),
            trust=self.trust(doc["trust"]),
            identity_guard=self.flag(doc["identity_guard"]["enabled"], "identity_guard.enabled"),
            identity_terms={
                k: self.words(v, f"identity_guard.terms.{k}")
                for k, v in doc["identity_guard"]["terms"].items()
            },
            failure={
                k: FailureMode(self.choice(v, f"failure.{k}", tuple(FailureMode)))
                for k, v in doc["failure"].items()
            },
            spot_check_share=self.number(doc["spot_check_share"], "spot_check_share"),
            readers=self.readers(doc["second_thought"], doc["reports"]),
            note=str(doc.get("note") or ""),
        )

    def on_topic(self, raw: dict[str, Any]) -> OnTopic:
        """The on-topic rules."""
        return OnTopic(
            self.number(raw["min"], "on_topic.min", -1.0, 2.0),
            self.number(raw["min_lexical"], "on_topic.min_lexical"),
            self.number(raw["min_confidence"], "on_topic.min_confidence"),
            self.words(raw["languages"], "on_topic.languages"),
            self.number(raw["max_flag_share"], "on_topic.max_flag_share", 0.0, 0.5),
            self.number(raw["learn_after"], "on_topic.learn_after", 1, 1_000_000, whole=True),
        )

    def links(self, raw: dict[str, Any]) -> Links:
        """The link rules."""
        return Links(
            self.words(raw["allow"], "links.allow"),
            self.words(raw["deny"], "links.deny"),
            self.choice(raw["denied"], "links.denied", LINK_ACTIONS),
            self.flag(raw["premoderate"], "links.premoderate"),
            self.number(raw["max_links"], "links.max_links", 0, 1000, whole=True),
        )

    def activity(self, raw: dict[str, Any]) -> Activity:
        """The repeat and rate rules."""
        return Activity(
            self.number(raw["repeat_above"], "activity.repeat_above", optional=True),
            self.number(
                raw["per_hour_above"],
                "activity.per_hour_above",
                0,
                100_000,
                optional=True,
                whole=True,
            ),
            self.number(
                raw["per_hour_same_ip_above"],
                "activity.per_hour_same_ip_above",
                0,
                100_000,
                optional=True,
                whole=True,
            ),
        )

    def premoderation(self, raw: dict[str, Any]) -> PreModeration:
        """The pre-moderation rules."""
        return PreModeration(
            self.words(raw["articles"], "premoderation.articles", lower=False),
            self.words(raw["sections"], "premoderation.sections"),
            self.number(
                raw["new_authors_until_approved"],
                "premoderation.new_authors_until_approved",
                0,
                10_000,
                whole=True,
            ),
            self.number(
                raw["rejection_rate_above"], "premoderation.rejection_rate_above", optional=True
            ),
            self.number(
                raw["rejection_rate_min_decisions"],
                "premoderation.rejection_rate_min_decisions",
                1,
                10_000,
                whole=True,
            ),
        )

    def trust(self, raw: dict[str, Any]) -> Trust:
        """The trust rules."""
        return Trust(
            self.flag(raw["skip_review"], "trust.skip_review"),
            self.number(
                raw["published_at_least"], "trust.published_at_least", 0, 1_000_000, whole=True
            ),
            self.number(raw["rejection_rate_below"], "trust.rejection_rate_below"),
        )

    def readers(self, warn: dict[str, Any], reports: dict[str, Any]) -> Readers:
        """The warning before posting and the reports that hide a comment."""
        path = "second_thought."
        return Readers(
            self.number(warn["lexical_above"], path + "lexical_above", optional=True),
            tuple(
                self.choice(a, f"{path}word_actions", WORD_ACTIONS)
                for a in self.words(warn["word_actions"], path + "word_actions")
            ),
            self.number(
                reports["hide_after"], "reports.hide_after", 1, 10_000, optional=True, whole=True
            ),
        )
