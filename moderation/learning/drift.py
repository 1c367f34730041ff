"""Drift: has the last day's distribution of Detoxify scores moved far from the last month's?

Measured per label with the population stability index over ten equal bins (PSI above 0.25
is the usual "significant shift"). A shift means the comments changed (a new topic, a raid)
or the model did (a new checkpoint): either way the thresholds may no longer mean what they
meant, and moderators should know.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.db import utcnow
from moderation.kinds import ScorerName, SignalState
from moderation.learning.models import DriftAlert
from moderation.models import Signal

log = logging.getLogger(__name__)
BINS = 10
ALERT_ABOVE = 0.25
MIN_RECENT, MIN_BASELINE = 50, 200
MAX_ROWS = 20_000  # newest signals read per window


def psi(recent: Sequence[float], baseline: Sequence[float], bins: int = BINS) -> float:
    """Population stability index of two samples of scores in [0, 1]."""

    def shares(values: Sequence[float]) -> list[float]:
        counts = [0] * bins
        for value in values:
            counts[min(bins - 1, max(0, int(value * bins)))] += 1
        return [max(c / len(values), 1e-4) for c in counts]  # no empty bin: log(0)

    return round(
        sum(
            (r - b) * math.log(r / b) for r, b in zip(shares(recent), shares(baseline), strict=True)
        ),
        4,
    )


def scores_between(session: Session, start_days: float, end_days: float) -> dict[str, list[float]]:
    """Detoxify scores by label of comments scored between `start_days` and `end_days` ago."""
    now = utcnow()
    rows = session.scalars(
        select(Signal.scores)
        .where(
            Signal.scorer == ScorerName.DETOXIFY,
            Signal.state == SignalState.OK,
            Signal.created_at >= now - timedelta(days=start_days),
            Signal.created_at < now - timedelta(days=end_days),
        )
        .order_by(Signal.id.desc())
        .limit(MAX_ROWS)
    )
    by_label: dict[str, list[float]] = defaultdict(list)
    for scores in rows:
        for label, value in (scores or {}).items():
            by_label[label].append(float(value))
    return by_label


def check(session: Session) -> list[DriftAlert]:
    """Compare the last day with the 30 days before it; store and log an alert per label
    that moved (committed)."""
    recent, baseline = scores_between(session, 1, 0), scores_between(session, 31, 1)
    alerts = []
    for label, values in sorted(recent.items()):
        before = baseline.get(label, [])
        if len(values) < MIN_RECENT or len(before) < MIN_BASELINE:
            continue
        value = psi(values, before)
        if value > ALERT_ABOVE:
            alerts.append(
                DriftAlert(label=label, psi=value, recent=len(values), baseline=len(before))
            )
            log.warning(
                "score drift on %s: PSI %.2f (last day %d scores, month %d)",
                label,
                value,
                len(values),
                len(before),
            )
    session.add_all(alerts)
    session.commit()
    return alerts


def recent_alerts(session: Session, hours: int = 24) -> list[DriftAlert]:
    """Alerts raised in the last `hours` hours, newest first."""
    return list(
        session.scalars(
            select(DriftAlert)
            .where(DriftAlert.created_at >= utcnow() - timedelta(hours=hours))
            .order_by(DriftAlert.created_at.desc())
        )
    )
