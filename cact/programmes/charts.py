"""The programme's charts as inline SVG, drawn on the server like cact/reports/charts.py: pure
Python, deterministic, every text escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from cact.programmes.analytics import ALL_UNITS, HeatMap, TalentPool

# potential row (top = high) × performance column: the box numbers of PermenPANRB 3/2020
NINE_BOX_GRID = ((6, 8, 9), (3, 5, 7), (1, 2, 4))


def _n(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _shade(share: Decimal) -> str:
    """White (nobody below) to deep red (everyone below), in eight steps."""
    step = min(int(share * 8), 7)
    return ("#f7f7f7", "#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#dd3497", "#ae017e", "#7a0177")[
        step
    ]


@dataclass(frozen=True)
class HeatGeometry:
    label_width: float = 190.0
    cell_width: float = 74.0
    cell_height: float = 34.0
    top: float = 30.0


def heat_map_svg(
    heat: HeatMap, *, all_label: str, title: str, geometry: HeatGeometry | None = None
) -> str:
    """Rows: every unit, then everyone; columns: competencies. A cell shows the share below
    standard (colour and percent) and the mean gap."""
    g = geometry or HeatGeometry()
    rows = [*heat.units, ALL_UNITS]
    width = g.label_width + g.cell_width * max(len(heat.competencies), 1) + 4
    height = g.top + g.cell_height * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart heat" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
    ]
    for j, code in enumerate(heat.competencies):
        x = g.label_width + g.cell_width * (j + 0.5)
        parts.append(
            f'<text class="col" x="{_n(x)}" y="{_n(g.top - 10)}" text-anchor="middle">{_t(code)}</text>'
        )
    for i, unit in enumerate(rows):
        y = g.top + g.cell_height * i
        label = all_label if unit == ALL_UNITS else unit
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text class="row{" all" if unit == ALL_UNITS else ""}" x="{_n(g.label_width - 6)}"'
            f' y="{_n(y + g.cell_height / 2 + 4)}" text-anchor="end"><title>{_t(label)}</title>{_t(shown)}</text>'
        )
        for j, code in enumerate(heat.competencies):
            cell = heat.at(unit, code)
            x = g.label_width + g.cell_width * j
            if cell is None:
                parts.append(
                    f'<rect class="empty" x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(g.cell_width - 2)}"'
                    f' height="{_n(g.cell_height - 2)}" fill="#ffffff" stroke="#dddddd"/>'
                )
                continue
            share = cell.share_below
            ink = "#ffffff" if share >= Decimal("0.5") else "#222222"
            percent = f"{share * 100:.0f}%"
            parts.append(
                f'<g class="cell" data-unit="{_t(unit)}" data-competency="{_t(code)}"'
                f' data-share="{share}" data-gap="{cell.mean_gap}">'
                f"<title>{_t(label)} · {_t(code)}: {cell.below}/{cell.assessed} · {cell.mean_gap}</title>"
                f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(g.cell_width - 2)}"'
                f' height="{_n(g.cell_height - 2)}" fill="{_shade(share)}"/>'
                f'<text x="{_n(x + g.cell_width / 2)}" y="{_n(y + 15)}" text-anchor="middle" fill="{ink}">{percent}</text>'
                f'<text class="gap" x="{_n(x + g.cell_width / 2)}" y="{_n(y + 28)}" text-anchor="middle"'
                f' fill="{ink}">{cell.mean_gap:+.2f}</text></g>'
            )
    parts.append("</svg>")
    return "".join(parts)


def nine_box_svg(
    pool: TalentPool, unit: str, *, potentials: Sequence[str], ratings: Sequence[str], title: str
) -> str:
    """The 3 × 3 grid (potential up, performance right) with the count in every box."""
    size, left, bottom = 92.0, 130.0, 36.0
    width, height = left + 3 * size + 4, 3 * size + bottom + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart ninebox" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
    ]
    for r, row in enumerate(NINE_BOX_GRID):
        parts.append(
            f'<text class="axis" x="{_n(left - 6)}" y="{_n(r * size + size / 2 + 4)}" text-anchor="end">{_t(potentials[2 - r])}</text>'
        )
        for c, box in enumerate(row):
            count = pool.cell(unit, box).count
            x, y = left + c * size, r * size
            fill = "#1a7f37" if box in (8, 9) else ("#f0b429" if box in (5, 6, 7) else "#d1d5db")
            parts.append(
                f'<g class="box" data-box="{box}" data-count="{count}"><title>{box}: {count}</title>'
                f'<rect x="{_n(x + 2)}" y="{_n(y + 2)}" width="{_n(size - 4)}" height="{_n(size - 4)}" fill="{fill}" fill-opacity="0.35"/>'
                f'<text class="box-no" x="{_n(x + 10)}" y="{_n(y + 20)}">{box}</text>'
                f'<text class="count" x="{_n(x + size / 2)}" y="{_n(y + size / 2 + 12)}" text-anchor="middle">{count}</text></g>'
            )
    for c, rating in enumerate(ratings):
        x = left + c * size + size / 2
        parts.append(
            f'<text class="axis" x="{_n(x)}" y="{_n(3 * size + 16)}" text-anchor="middle">'
            + "".join(
                f'<tspan x="{_n(x)}" dy="{0 if i == 0 else 13}">{_t(line)}</tspan>'
                for i, line in enumerate(_two_lines(rating))
            )
            + "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _two_lines(text: str) -> list[str]:
    """A long axis label on two lines, split at the space nearest its middle."""
    words = text.split()
    if len(text) <= 14 or len(words) < 2:
        return [text]
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(text) / 2))
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def trend_svg(points: Mapping[str, Sequence[tuple[str, int]]], *, title: str) -> str:
    """One line per competency: attained level (1–5) at each assessment (x: in date order)."""
    dates = sorted({d for series in points.values() for d, _ in series})
    width, height, left, top, plot = 640.0, 260.0, 34.0, 14.0, 200.0
    step = (width - left - 40) / max(len(dates) - 1, 1)
    x_of = {d: left + 20 + step * i for i, d in enumerate(dates)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart trend" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
    ]
    for level in range(1, 6):
        y = top + plot - plot * (level - 1) / 4
        parts.append(
            f'<line class="grid" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - 4)}" y2="{_n(y)}"/>'
            f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end">{level}</text>'
        )
    for d in dates:
        parts.append(
            f'<text class="date" x="{_n(x_of[d])}" y="{_n(height - 20)}" text-anchor="middle">{_t(d)}</text>'
        )
    for n, (code, series) in enumerate(sorted(points.items())):
        coords = [(x_of[d], top + plot - plot * (lvl - 1) / 4) for d, lvl in series]
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        parts.append(
            f'<g class="series s{n % 10}" data-code="{_t(code)}"><title>{_t(code)}</title>'
        )
        parts.append(f'<polyline points="{line}"/>')
        parts.extend(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3"/>' for x, y in coords)
        if coords:
            x, y = coords[-1]
            parts.append(
                f'<text class="label" x="{_n(x + 6)}" y="{_n(y - 4 - 2 * (n % 3))}">{_t(code)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def jpm_bars_svg(jpms: Sequence[Decimal | None], *, title: str) -> str:
    """How many people would reach each JPM band (by 10 points) against the chosen position."""
    bins = [0] * 11
    for jpm in jpms:
        if jpm is not None:
            bins[min(int(jpm // 10), 10)] += 1
    width, height, left, plot = 640.0, 170.0, 34.0, 120.0
    slot = (width - left - 4) / len(bins)
    top_count = max(bins) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart jpm" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
    ]
    for i, count in enumerate(bins):
        h = plot * count / top_count
        x = left + slot * i
        label = "100" if i == 10 else f"{i * 10}–{i * 10 + 9}"
        parts.append(
            f'<g class="bin" data-bin="{i * 10}" data-count="{count}"><title>{label}: {count}</title>'
            f'<rect x="{_n(x + 3)}" y="{_n(10 + plot - h)}" width="{_n(slot - 6)}" height="{_n(h)}"/>'
            f'<text x="{_n(x + slot / 2)}" y="{_n(10 + plot - h - 3)}" text-anchor="middle">{count}</text>'
            f'<text class="axis" x="{_n(x + slot / 2)}" y="{_n(10 + plot + 16)}" text-anchor="middle">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
