"""The Wright map and the item characteristic curves of a Rasch calibration, drawn on the server
as inline SVG like the report charts (cact/reports/charts.py): two decimals, escaped text, the
same bytes for the same input, presentation attributes so print and PDF need no CSS."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from cact.analysis.rasch import category_probabilities

FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="10" fill="#1d2733"'
MUTED = 'fill="#5b6775"'
GRID = 'stroke="#e1e6ec" stroke-width="1"'
PERSONS = 'fill="#0b5cab" fill-opacity="0.7"'
ITEM = 'fill="#b3261e"'
CURVES = ("#0b5cab", "#b3261e", "#2e7d32", "#8a4fbf", "#c77700", "#00838f", "#5b6775")
BIN = 0.5  # logits per person bar


@dataclass(frozen=True)
class MapItem:
    label: str
    difficulty: float


def _n(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def logit_range(values: Sequence[float]) -> tuple[float, float]:
    """Whole logits around every value, at least −3…3, at most −6…6."""
    low = max(-6.0, min(-3.0, math.floor(min(values, default=0.0))))
    high = min(6.0, max(3.0, math.ceil(max(values, default=0.0))))
    return low, high


def _open(width: float, height: float, css: str, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}"'
        f' viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}"'
        f' {FONT} role="img" aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
    ]


def wright_map_svg(
    persons: Sequence[float],
    items: Sequence[MapItem],
    *,
    title: str = "",
    persons_label: str = "Peserta",
    items_label: str = "Butir",
    width: float = 460.0,
    height: float = 300.0,
) -> str:
    """Persons (histogram, bars of BIN logits, to the left) and items (labels at their
    difficulty, to the right) on one vertical logit axis; extreme values drawn at the edge."""
    top, bottom, axis_x = 22.0, 14.0, width * 0.42
    low, high = logit_range([*persons, *(i.difficulty for i in items)])
    plot = height - top - bottom

    def y(logit: float) -> float:
        return top + plot * (high - max(low, min(high, logit))) / (high - low)

    parts = _open(width, height, "wright-map", title)
    parts.append(
        f'<text {MUTED} x="{_n(axis_x - 8)}" y="12" text-anchor="end">{_text(persons_label)}'
        f'</text><text {MUTED} x="{_n(axis_x + 8)}" y="12">{_text(items_label)}</text>'
    )
    parts.append('<g class="grid">')
    for logit in range(int(low), int(high) + 1):
        parts.append(
            f'<line {GRID} x1="4" y1="{_n(y(logit))}" x2="{_n(width - 4)}" y2="{_n(y(logit))}"/>'
            f'<text {MUTED} x="{_n(axis_x)}" y="{_n(y(logit) - 2)}" text-anchor="middle">'
            f"{logit}</text>"
        )
    parts.append("</g>")
    bins: dict[int, int] = {}
    for measure in persons:
        clipped = max(low, min(high - 1e-9, measure))
        key = math.floor((clipped - low) / BIN)
        bins[key] = bins.get(key, 0) + 1
    widest = max(bins.values(), default=1)
    parts.append('<g class="persons">')
    for key, count in sorted(bins.items()):
        upper, lower = low + (key + 1) * BIN, low + key * BIN
        length = (axis_x - 18) * count / widest
        parts.append(
            f'<rect {PERSONS} data-count="{count}" x="{_n(axis_x - 10 - length)}"'
            f' y="{_n(y(upper) + 0.5)}" width="{_n(length)}"'
            f' height="{_n(y(lower) - y(upper) - 1)}">'
            f"<title>{_n(lower)}…{_n(upper)}: {count}</title></rect>"
        )
    parts.append("</g>")
    parts.append(
        f'<line stroke="#1d2733" stroke-width="1" x1="{_n(axis_x)}" y1="{_n(top)}"'
        f' x2="{_n(axis_x)}" y2="{_n(top + plot)}"/>'
    )
    parts.append('<g class="items">')
    rows: dict[int, float] = {}  # pixel row → next free x, so close labels sit side by side
    for item in sorted(items, key=lambda i: (-i.difficulty, i.label)):
        cy = y(item.difficulty)
        row = round(cy / 11)
        x = rows.get(row, axis_x + 10)
        rows[row] = x + 7 + 6.2 * len(item.label)
        parts.append(
            f'<g class="item" data-item="{_text(item.label)}"'
            f' data-difficulty="{_n(item.difficulty)}">'
            f'<circle {ITEM} cx="{_n(axis_x)}" cy="{_n(cy)}" r="2.5"/>'
            f'<text x="{_n(x)}" y="{_n(row * 11 + 3.5)}">{_text(item.label)}</text>'
            f"<title>{_text(item.label)}: {_n(item.difficulty)}</title></g>"
        )
    parts.append("</g></svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Curve:
    label: str
    thresholds: Sequence[float]


def icc_svg(
    curves: Sequence[Curve],
    *,
    categories: bool = False,
    title: str = "",
    width: float = 460.0,
    height: float = 240.0,
    low: float = -4.0,
    high: float = 4.0,
) -> str:
    """Item characteristic curves over θ: each item's expected score as a share of its maximum
    (``categories=False``), or the category probability curves of the first item."""
    left, right, top, bottom = 30.0, 8.0, 10.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    theta = np.linspace(low, high, 81)

    def point(t: float, p: float) -> str:
        return f"{_n(left + plot_w * (t - low) / (high - low))},{_n(top + plot_h * (1 - p))}"

    parts = _open(width, height, "icc", title)
    parts.append('<g class="grid">')
    for p in (0.0, 0.5, 1.0):
        yy = top + plot_h * (1 - p)
        parts.append(
            f'<line {GRID} x1="{_n(left)}" y1="{_n(yy)}" x2="{_n(width - right)}" y2="{_n(yy)}"/>'
            f'<text {MUTED} x="{_n(left - 4)}" y="{_n(yy + 3)}" text-anchor="end">{p:g}</text>'
        )
    for t in range(math.ceil(low), math.floor(high) + 1):
        xx = left + plot_w * (t - low) / (high - low)
        parts.append(
            f'<text {MUTED} x="{_n(xx)}" y="{_n(height - 12)}" text-anchor="middle">{t}</text>'
        )
    parts.append(
        f'<text {MUTED} x="{_n(width - right)}" y="{_n(height - 2)}" text-anchor="end">θ (logit)'
        "</text></g>"
    )
    series: list[tuple[str, np.ndarray]] = []
    if categories and curves:
        probabilities = category_probabilities(theta, np.asarray(curves[0].thresholds, float))
        series = [(str(k), probabilities[:, k]) for k in range(probabilities.shape[1])]
    else:
        for curve in curves:
            probabilities = category_probabilities(theta, np.asarray(curve.thresholds, float))
            m = probabilities.shape[1] - 1
            series.append((curve.label, probabilities @ np.arange(m + 1) / max(m, 1)))
    for index, (label, values) in enumerate(series):
        colour = CURVES[index % len(CURVES)]
        line = " ".join(point(float(t), float(p)) for t, p in zip(theta, values, strict=True))
        parts.append(
            f'<polyline class="curve" data-item="{_text(label)}" fill="none" stroke="{colour}"'
            f' stroke-width="1.5" points="{line}"><title>{_text(label)}</title></polyline>'
        )
    parts.append("</svg>")
    return "".join(parts)
