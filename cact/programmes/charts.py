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
SHADES = ("#f7f7f7", "#fde0dd", "#fcc5c0", "#fa9fb5", "#f768a1", "#dd3497", "#ae017e", "#7a0177")


def _n(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _open(kind: str, width: float, height: float, title: str) -> list[str]:
    size = f'width="{_n(width)}" height="{_n(height)}"'
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}"'
        f' viewBox="0 0 {_n(width)} {_n(height)}" {size} role="img" aria-label="{_t(title)}">',
        f"<title>{_t(title)}</title>",
    ]


def _text(x: float, y: float, content: str, anchor: str = "middle", extra: str = "") -> str:
    """``content`` is already escaped (or markup of this module)."""
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{content}</text>'


def _rect(x: float, y: float, w: float, h: float, extra: str = "") -> str:
    return f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"{extra}/>'


def _shade(share: Decimal) -> str:
    """White (nobody below) to deep purple (everyone below), in eight steps."""
    return SHADES[min(int(share * 8), 7)]


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
    parts = _open("heat", width, g.top + g.cell_height * len(rows) + 4, title)
    for j, code in enumerate(heat.competencies):
        x = g.label_width + g.cell_width * (j + 0.5)
        parts.append(_text(x, g.top - 10, _t(code), extra=' class="col"'))
    for i, unit in enumerate(rows):
        y = g.top + g.cell_height * i
        label = all_label if unit == ALL_UNITS else unit
        shown = label if len(label) <= 26 else label[:25] + "…"
        row_class = ' class="row all"' if unit == ALL_UNITS else ' class="row"'
        parts.append(
            _text(
                g.label_width - 6,
                y + g.cell_height / 2 + 4,
                f"<title>{_t(label)}</title>{_t(shown)}",
                "end",
                row_class,
            )
        )
        for j, code in enumerate(heat.competencies):
            x = g.label_width + g.cell_width * j
            parts.append(_heat_cell(heat, unit, label, code, x, y, g))
    parts.append("</svg>")
    return "".join(parts)


def _heat_cell(
    heat: HeatMap, unit: str, label: str, code: str, x: float, y: float, g: HeatGeometry
) -> str:
    cell = heat.at(unit, code)
    box = (x + 1, y + 1, g.cell_width - 2, g.cell_height - 2)
    if cell is None:
        return _rect(*box, ' class="empty" fill="#ffffff" stroke="#dddddd"')
    share = cell.share_below
    ink = f' fill="{"#ffffff" if share >= Decimal("0.5") else "#222222"}"'
    middle = x + g.cell_width / 2
    tip = f"{_t(label)} · {_t(code)}: {cell.below}/{cell.assessed} · {cell.mean_gap}"
    return (
        f'<g class="cell" data-unit="{_t(unit)}" data-competency="{_t(code)}"'
        f' data-share="{share}" data-gap="{cell.mean_gap}"><title>{tip}</title>'
        + _rect(*box, f' fill="{_shade(share)}"')
        + _text(middle, y + 15, f"{share * 100:.0f}%", extra=ink)
        + _text(middle, y + 28, f"{cell.mean_gap:+.2f}", extra=' class="gap"' + ink)
        + "</g>"
    )


def _two_lines(text: str) -> list[str]:
    """A long axis label on two lines, split at the space nearest its middle."""
    words = text.split()
    if len(text) <= 14 or len(words) < 2:
        return [text]
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(text) / 2))
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def nine_box_svg(
    pool: TalentPool, unit: str, *, potentials: Sequence[str], ratings: Sequence[str], title: str
) -> str:
    """The 3 × 3 grid (potential up, performance right) with the count in every box."""
    size, left, bottom = 92.0, 130.0, 36.0
    parts = _open("ninebox", left + 3 * size + 4, 3 * size + bottom + 8, title)
    for r, row in enumerate(NINE_BOX_GRID):
        label = _t(potentials[2 - r])
        parts.append(_text(left - 6, r * size + size / 2 + 4, label, "end", ' class="axis"'))
        for c, box in enumerate(row):
            count = pool.cell(unit, box).count
            x, y = left + c * size, r * size
            fill = "#1a7f37" if box in (8, 9) else ("#f0b429" if box in (5, 6, 7) else "#d1d5db")
            parts.append(
                f'<g class="box" data-box="{box}" data-count="{count}">'
                f"<title>{box}: {count}</title>"
                + _rect(x + 2, y + 2, size - 4, size - 4, f' fill="{fill}" fill-opacity="0.35"')
                + _text(x + 10, y + 20, str(box), "start", ' class="box-no"')
                + _text(x + size / 2, y + size / 2 + 12, str(count), extra=' class="count"')
                + "</g>"
            )
    for c, rating in enumerate(ratings):
        x = left + c * size + size / 2
        lines = "".join(
            f'<tspan x="{_n(x)}" dy="{0 if i == 0 else 13}">{_t(line)}</tspan>'
            for i, line in enumerate(_two_lines(rating))
        )
        parts.append(_text(x, 3 * size + 16, lines, extra=' class="axis"'))
    parts.append("</svg>")
    return "".join(parts)


def trend_svg(points: Mapping[str, Sequence[tuple[str, int]]], *, title: str) -> str:
    """One line per competency: attained level (1–5) at each assessment (x: in date order),
    with a legend of the competencies on the right."""
    dates = sorted({d for series in points.values() for d, _ in series})
    width, height, left, top, plot, legend = 640.0, 260.0, 34.0, 14.0, 200.0, 90.0
    span = width - left - legend - 60
    step = span / max(len(dates) - 1, 1)
    x_of = {d: left + 30 + (span / 2 if len(dates) == 1 else step * i) for i, d in enumerate(dates)}
    parts = _open("trend", width, height, title)
    for level in range(1, 6):
        y = top + plot - plot * (level - 1) / 4
        parts.append(
            f'<line class="grid" x1="{_n(left)}" y1="{_n(y)}"'
            f' x2="{_n(width - legend - 10)}" y2="{_n(y)}"/>'
            + _text(left - 6, y + 4, str(level), "end")
        )
    for d in dates:
        parts.append(_text(x_of[d], height - 20, _t(d), extra=' class="date"'))
    for n, (code, series) in enumerate(sorted(points.items())):
        # a small vertical offset per series keeps equal levels apart
        coords = [
            (x_of[d], top + plot - plot * (lvl - 1) / 4 + (n % 5 - 2) * 2) for d, lvl in series
        ]
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        parts.append(
            f'<g class="series s{n % 10}" data-code="{_t(code)}"><title>{_t(code)}</title>'
        )
        parts.append(f'<polyline points="{line}"/>')
        parts.extend(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3"/>' for x, y in coords)
        ly = top + 6 + 18 * n
        parts.append(
            f'<line x1="{_n(width - legend)}" y1="{_n(ly)}" x2="{_n(width - legend + 16)}"'
            f' y2="{_n(ly)}" stroke-width="3"/>'
            + _text(width - legend + 22, ly + 4, _t(code), "start", ' class="label"')
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
    parts = _open("jpm", width, height, title)
    for i, count in enumerate(bins):
        h = plot * count / top_count
        x = left + slot * i
        label = "100" if i == 10 else f"{i * 10}–{i * 10 + 9}"
        parts.append(
            f'<g class="bin" data-bin="{i * 10}" data-count="{count}">'
            f"<title>{label}: {count}</title>"
            + _rect(x + 3, 10 + plot - h, slot - 6, h)
            + _text(x + slot / 2, 10 + plot - h - 3, str(count))
            + _text(x + slot / 2, 10 + plot + 16, label, extra=' class="axis"')
            + "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)
