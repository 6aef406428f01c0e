"""Charts drawn on the server as inline SVG: pure Python, no JavaScript, no randomness.

Every number is printed with two decimals and every text goes through ``html.escape``, so the
same input always gives the same bytes and a competency name can never break out of the SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LEVELS = 5  # rings 1–5

# Presentation attributes: what a PDF renderer (WeasyPrint draws SVG without the page's CSS)
# shows; on screen report.css overrides them with the same colours.
FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="10" fill="#1d2733"'
LOOK = {
    "required": 'fill="#8a96a3" fill-opacity="0.18" stroke="#8a96a3" stroke-width="2"'
    ' stroke-dasharray="5 3"',
    "attained": 'fill="#0b5cab" fill-opacity="0.22" stroke="#0b5cab" stroke-width="2"',
}
BAR_LOOK = {
    "required": 'fill="#8a96a3" fill-opacity="0.45" stroke="#8a96a3" stroke-width="1"',
    "attained": 'fill="#0b5cab" fill-opacity="0.75" stroke="#0b5cab" stroke-width="1"',
}
RING = 'fill="none" stroke="#d9dfe6" stroke-width="1"'
MUTED = 'fill="#5b6775"'


@dataclass(frozen=True)
class RadarAxis:
    code: str
    name: str
    required: int | None
    attained: int | None


@dataclass(frozen=True)
class BarGroup:
    code: str
    name: str
    required: float | None
    attained: float | None


def _n(value: float) -> str:
    """A coordinate: two decimals, no "-0.00"."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _text(value: object) -> str:
    return escape(str(value), quote=True)


@dataclass(frozen=True)
class RadarGeometry:
    size: float = 420.0
    margin: float = 70.0

    @property
    def centre(self) -> float:
        return self.size / 2

    @property
    def radius(self) -> float:
        return self.size / 2 - self.margin

    def angle(self, index: int, count: int) -> float:
        """Axis ``index`` of ``count``: the first points straight up, then clockwise."""
        return -math.pi / 2 + 2 * math.pi * index / count

    def point(self, index: int, count: int, level: float) -> tuple[float, float]:
        r = self.radius * max(0.0, min(float(level), LEVELS)) / LEVELS
        a = self.angle(index, count)
        return self.centre + r * math.cos(a), self.centre + r * math.sin(a)


def _polygon(geometry: RadarGeometry, levels: Sequence[int | None], series: str, label: str) -> str:
    count = len(levels)
    points = " ".join(
        f"{_n(x)},{_n(y)}"
        for x, y in (geometry.point(i, count, level or 0) for i, level in enumerate(levels))
    )
    return (
        f'<polygon class="series-{series}" data-series="{series}" {LOOK[series]}'
        f' points="{points}">'
        f"<title>{_text(label)}</title></polygon>"
    )


def radar_svg(
    axes: Sequence[RadarAxis],
    *,
    required_label: str = "Level dipersyaratkan",
    attained_label: str = "Level dicapai",
    title: str = "",
    geometry: RadarGeometry | None = None,
) -> str:
    """Required and attained levels on five rings, one axis per competency (labelled with its
    code; the full name is the axis's tooltip). A missing level is drawn at the centre."""
    g = geometry or RadarGeometry()
    count = len(axes)
    size = _n(g.size)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart radar" viewBox="0 0 {size} {size}"'
        f' width="{size}" height="{size}" {FONT} role="img" aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
    ]
    if count == 0:
        parts.append("</svg>")
        return "".join(parts)
    parts.append('<g class="rings">')
    for level in range(1, LEVELS + 1):
        ring = " ".join(
            f"{_n(x)},{_n(y)}" for x, y in (g.point(i, count, level) for i in range(count))
        )
        if count >= 3:
            parts.append(f'<polygon class="ring" data-level="{level}" {RING} points="{ring}"/>')
        else:
            r = _n(g.radius * level / LEVELS)
            parts.append(
                f'<circle class="ring" data-level="{level}" {RING} cx="{_n(g.centre)}"'
                f' cy="{_n(g.centre)}" r="{r}"/>'
            )
        x, y = g.point(0, count, level)
        parts.append(
            f'<text class="ring-label" {MUTED} font-size="9" x="{_n(x + 4)}" y="{_n(y + 4)}">'
            f"{level}</text>"
        )
    parts.append("</g>")
    parts.append('<g class="axes">')
    for i, axis in enumerate(axes):
        x, y = g.point(i, count, LEVELS)
        lx, ly = g.point(i, count, LEVELS + 0.9)
        cos = math.cos(g.angle(i, count))
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        parts.append(
            f'<g class="axis" data-code="{_text(axis.code)}">'
            f"<title>{_text(axis.code)} {_text(axis.name)}</title>"
            f'<line stroke="#c3ccd6" stroke-width="1" x1="{_n(g.centre)}" y1="{_n(g.centre)}"'
            f' x2="{_n(x)}" y2="{_n(y)}"/>'
            f'<text font-size="13" font-weight="600" x="{_n(lx)}" y="{_n(ly + 4)}"'
            f' text-anchor="{anchor}">{_text(axis.code)}</text>'
            "</g>"
        )
    parts.append("</g>")
    parts.append(_polygon(g, [a.required for a in axes], "required", required_label))
    parts.append(_polygon(g, [a.attained for a in axes], "attained", attained_label))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class BarGeometry:
    width: float = 680.0
    plot_height: float = 220.0
    top: float = 16.0
    left: float = 34.0
    bottom: float = 40.0


def bar_svg(
    groups: Sequence[BarGroup],
    *,
    required_label: str = "Rata-rata level dipersyaratkan",
    attained_label: str = "Rata-rata level dicapai",
    title: str = "",
    geometry: BarGeometry | None = None,
) -> str:
    """Mean required and mean attained level per competency as pairs of bars on a 0–5 scale."""
    g = geometry or BarGeometry()
    height = g.top + g.plot_height + g.bottom
    base = g.top + g.plot_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bars"'
        f' viewBox="0 0 {_n(g.width)} {_n(height)}" width="{_n(g.width)}" height="{_n(height)}"'
        f' {FONT} role="img" aria-label="{_text(title)}">',
        f"<title>{_text(title)}</title>",
        '<g class="grid">',
    ]
    for level in range(LEVELS + 1):
        y = base - g.plot_height * level / LEVELS
        parts.append(
            f'<line stroke="#e1e6ec" x1="{_n(g.left)}" y1="{_n(y)}" x2="{_n(g.width - 4)}"'
            f' y2="{_n(y)}"/>'
            f'<text {MUTED} x="{_n(g.left - 6)}" y="{_n(y + 4)}" text-anchor="end">{level}</text>'
        )
    parts.append("</g>")
    count = max(len(groups), 1)
    slot = (g.width - g.left - 4) / count
    bar = min(slot * 0.34, 28.0)
    for i, group in enumerate(groups):
        x0 = g.left + slot * i + slot / 2
        parts.append(f'<g class="group" data-code="{_text(group.code)}">')
        parts.append(f"<title>{_text(group.code)} {_text(group.name)}</title>")
        for series, value, label, x in (
            ("required", group.required, required_label, x0 - bar),
            ("attained", group.attained, attained_label, x0),
        ):
            clipped = max(0.0, min(float(value or 0), LEVELS))
            h = g.plot_height * clipped / LEVELS
            shown = "–" if value is None else f"{value:.2f}"
            parts.append(
                f'<rect class="series-{series}" data-series="{series}" {BAR_LOOK[series]}'
                f' data-value="{shown}"'
                f' x="{_n(x)}" y="{_n(base - h)}" width="{_n(bar)}" height="{_n(h)}">'
                f"<title>{_text(label)}: {shown}</title></rect>"
            )
        parts.append(
            f'<text class="code" x="{_n(x0)}" y="{_n(base + 16)}" text-anchor="middle">'
            f"{_text(group.code)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
