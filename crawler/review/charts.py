"""Horizontal bar charts of the run report, as geometry (no Scrapy imports).

:func:`bar_chart` lays the chart out: one row per label, each bar made of
segments stacked left to right, every bar on the scale of the longest one, its
total written after it. The result is plain data in SVG user units; the report
template draws it as inline SVG (``templates/report.html``, macro ``bar_chart``)
and styles the segments by their CSS class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_ROWS = 25  # the report's charts show the largest rows only (callers cut: the tables show all)
LABEL_WIDTH = 200  # the row labels, right-aligned against the bars
BAR_WIDTH = 400  # the longest bar
VALUE_WIDTH = 110  # the totals after the bars
ROW_HEIGHT = 24
BAR_HEIGHT = 16
MARGIN = 4  # above the first row and below the last
MAX_LABEL = 30  # longer labels are cut (the full label is their tooltip)
VALUE_GAP = 6  # between a bar and its total

Segments = Sequence[tuple[float, str, str]]  # (value, CSS class, tooltip)


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    css: str
    tip: str


@dataclass(frozen=True)
class Row:
    label: str  # in full, the tooltip of the label
    shown: str  # as written, cut to MAX_LABEL characters
    y: float  # top of the bar
    text_y: float  # baseline of the label and the total
    segments: tuple[Segment, ...]
    total_x: float
    total: str  # formatted


@dataclass(frozen=True)
class BarChart:
    label: str  # the chart's title, for screen readers and as tooltip
    width: float
    height: float
    label_x: float  # where the labels end
    track_x: float  # where the bars start
    track_width: float
    bar_height: float
    rows: tuple[Row, ...]


def bar_chart(label: str, rows: Sequence[tuple[str, Segments]],
              fmt: Callable[[float], str] = lambda v: f"{v:,.0f}") -> BarChart:
    """``rows`` of (label, segments); segments of no value are left out, any other is at least 1 unit wide."""
    peak = max((sum(v for v, _, _ in segments) for _, segments in rows), default=0) or 1
    laid_out = []
    for i, (name, segments) in enumerate(rows):
        y = MARGIN + i * ROW_HEIGHT
        x = float(LABEL_WIDTH)
        bars = []
        for value, css, tip in segments:
            if value <= 0:
                continue
            width = max(1.0, value / peak * BAR_WIDTH)
            bars.append(Segment(x=x, width=width, css=css, tip=tip))
            x += width
        shown = name if len(name) <= MAX_LABEL else name[:MAX_LABEL - 1] + "…"
        laid_out.append(Row(label=name, shown=shown, y=y, text_y=y + BAR_HEIGHT - 3, segments=tuple(bars),
                            total_x=x + VALUE_GAP, total=fmt(sum(v for v, _, _ in segments))))
    return BarChart(label=label, width=LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
                    height=max(1, len(rows)) * ROW_HEIGHT + 2 * MARGIN, label_x=LABEL_WIDTH - 8,
                    track_x=LABEL_WIDTH, track_width=BAR_WIDTH, bar_height=BAR_HEIGHT, rows=tuple(laid_out))
