"""Charts drawn on the server as SVG: stacked bars per day, lines over time, horizontal bars,
and the small line of one value over time. Every label is escaped; colours come from classes
in style.css (no inline style, as the CSP requires)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 44, 24, 8


def _frame(body: str, title: str, height: int = HEIGHT) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def _axis(top: float) -> str:
    """The y axis: zero and the top value, with a grid line at each."""
    plot = HEIGHT - BOTTOM
    label = f"{top:.0f}" if top >= 10 else f"{top:.2g}"
    return (
        f'<line class="grid" x1="{LEFT}" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>'
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH}" y2="{TOP}"/>'
        f'<text class="tick" x="{LEFT - 4}" y="{plot}" text-anchor="end">0</text>'
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{escape(label)}</text>'
    )


def _x_labels(labels: Sequence[str], step: float) -> str:
    every = max(1, len(labels) // 8)  # at most about eight labels under the axis
    return "".join(
        f'<text class="tick" x="{LEFT + step * (i + 0.5):.1f}" y="{HEIGHT - 6}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    )


def stacked_bars(labels: Sequence[str], series: dict[str, Sequence[float]], title: str) -> Markup:
    """One bar per label, each series stacked in order, with a legend."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    step, plot = (WIDTH - LEFT) / max(1, len(labels)), HEIGHT - BOTTOM - TOP
    bars = []
    for i in range(len(labels)):
        base = HEIGHT - BOTTOM
        for name, values in series.items():
            height = plot * values[i] / top
            base -= height
            bars.append(
                f'<rect class="series-{escape(name)}" x="{LEFT + step * i + 1:.1f}" '
                f'y="{base:.1f}" width="{max(1.0, step - 2):.1f}" height="{height:.1f}">'
                f"<title>{escape(labels[i])} {escape(name)}: {values[i]:g}</title></rect>"
            )
    return _frame(_axis(top) + "".join(bars) + _x_labels(labels, step) + _legend(series), title)


def lines(labels: Sequence[str], series: dict[str, Sequence[float | None]], title: str) -> Markup:
    """One line per series over the labels; gaps where a value is None."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max(values, default=0) or 1
    step, plot = (WIDTH - LEFT) / max(1, len(labels)), HEIGHT - BOTTOM - TOP
    paths = []
    for name, points in series.items():
        coords = [
            f"{LEFT + step * (i + 0.5):.1f},{HEIGHT - BOTTOM - plot * v / top:.1f}"
            for i, v in enumerate(points)
            if v is not None
        ]
        if coords:
            paths.append(
                f'<polyline class="line series-{escape(name)}" points="{" ".join(coords)}">'
                f"<title>{escape(name)}</title></polyline>"
            )
    return _frame(_axis(top) + "".join(paths) + _x_labels(labels, step) + _legend(series), title)


def horizontal_bars(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """One labelled bar per item, longest first as given."""
    top = max((v for _, v in items), default=0) or 1
    row, label_width = 20, 150
    height = max(row, row * len(items)) + 4
    bars = "".join(
        f'<text class="tick" x="{label_width - 6}" y="{row * i + 14}" text-anchor="end">'
        f"{escape(name)}</text>"
        f'<rect class="series-bar" x="{label_width}" y="{row * i + 3}" '
        f'width="{(WIDTH - label_width - 60) * value / top:.1f}" height="{row - 6}"/>'
        f'<text class="tick" x="{label_width + (WIDTH - label_width - 60) * value / top + 4:.1f}" '
        f'y="{row * i + 14}">{value:g}{escape(unit)}</text>'
        for i, (name, value) in enumerate(items)
    )
    return _frame(bars, title, height)


def _legend(series: dict[str, object]) -> str:
    return "".join(
        f'<rect class="series-{escape(name)}" x="{LEFT + 8 + i * 110}" y="{TOP}" '
        f'width="10" height="10"/><text class="tick" x="{LEFT + 22 + i * 110}" y="{TOP + 9}">'
        f"{escape(name)}</text>"
        for i, name in enumerate(series)
    )


# The Stats page's small line of one value over time (a sparkline), drawn by its template.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_MARGIN = 240, 48, 4


@dataclass(frozen=True)
class Chart:
    """A polyline's points in a SPARK_WIDTH x SPARK_HEIGHT box, and the range it spans."""

    points: str
    low: float
    high: float
    since: datetime
    until: datetime
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def line_chart(history: Sequence[tuple[datetime, float]]) -> Chart | None:
    """The history (oldest first) scaled into the box; None without any point."""
    if not history:
        return None
    times = [t.timestamp() for t, _ in history]
    values = [v for _, v in history]
    start, span = times[0], (times[-1] - times[0]) or 1.0
    low, high = min(values), max(values)
    rise = (high - low) or 1.0
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_MARGIN, SPARK_HEIGHT - 2 * SPARK_MARGIN
    spots = [
        (
            SPARK_MARGIN + inner_w * (t - start) / span,
            SPARK_MARGIN + inner_h * (1 - (v - low) / rise),
        )
        for t, v in zip(times, values, strict=True)
    ]
    if len(spots) == 1:  # one computation so far: a level line across the box
        spots = [
            (SPARK_MARGIN, SPARK_HEIGHT / 2),
            (SPARK_WIDTH - SPARK_MARGIN, SPARK_HEIGHT / 2),
        ]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in spots)
    return Chart(points, low, high, history[0][0], history[-1][0])
