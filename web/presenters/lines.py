"""What the Stats page shows of one site's on-topic lines: its newest computation and, for each
line, a small chart of its history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from moderation.learning.models import TopicLine
from web.presenters.charts import Chart, line_chart


@dataclass(frozen=True)
class SiteLines:
    """One site's lines as the Stats page shows them."""

    name: str
    whole: TopicLine | None  # the whole site's row of the newest computation; None: never learned
    learned: list[TopicLine]  # the newest computation's rows that hold a line, whole site first
    charts: dict[str, Chart | None]  # by section

    @property
    def built_in(self) -> bool:
        """True while the policy's built-in line holds for the whole site."""
        return self.whole is None or self.whole.line is None


def site_lines(
    name: str, newest: Sequence[TopicLine], history: dict[str, list[tuple[datetime, float]]]
) -> SiteLines:
    """The site `name`'s lines from its newest rows and their history (oldest first)."""
    whole = next((row for row in newest if not row.section), None)
    learned = [row for row in newest if row.line is not None]
    charts = {row.section: line_chart(history.get(row.section, [])) for row in learned}
    return SiteLines(name, whole, learned, charts)
