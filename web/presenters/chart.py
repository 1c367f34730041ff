"""Small line charts drawn on the server as SVG points (no script, no style attribute)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, MARGIN = 240, 48, 4


@dataclass(frozen=True)
class Chart:
    """A polyline's points in a WIDTH x HEIGHT box, and the range it spans."""

    points: str
    low: float
    high: float
    since: datetime
    until: datetime
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(history: Sequence[tuple[datetime, float]]) -> Chart | None:
    """The history (oldest first) scaled into the box; None without any point."""
    if not history:
        return None
    times = [t.timestamp() for t, _ in history]
    values = [v for _, v in history]
    start, span = times[0], (times[-1] - times[0]) or 1.0
    low, high = min(values), max(values)
    rise = (high - low) or 1.0
    inner_w, inner_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    spots = [
        (MARGIN + inner_w * (t - start) / span, MARGIN + inner_h * (1 - (v - low) / rise))
        for t, v in zip(times, values, strict=True)
    ]
    if len(spots) == 1:  # one computation so far: a level line across the box
        spots = [(MARGIN, HEIGHT / 2), (WIDTH - MARGIN, HEIGHT / 2)]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in spots)
    return Chart(points, low, high, history[0][0], history[-1][0])
