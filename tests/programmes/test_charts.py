"""The programme charts: deterministic SVG, every text escaped, numbers where they belong."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from xml.etree import ElementTree

from cact.kit.i18n import CATALOGUE_DIR
from cact.programmes.analytics import ALL_UNITS, HeatMap, TalentPool
from cact.programmes.charts import heat_map_svg, jpm_bars_svg, nine_box_svg, trend_svg
from cact.programmes.schemas import HeatCell, NineBoxCell

HOSTILE = '<script>alert("x")</script>'


def _heat() -> HeatMap:
    cells = [
        HeatCell(
            unit=HOSTILE,
            competency="M.01",
            assessed=4,
            below=3,
            share_below=Decimal("0.75"),
            mean_gap=Decimal("-1.25"),
        ),
        HeatCell(
            unit=ALL_UNITS,
            competency="M.01",
            assessed=4,
            below=3,
            share_below=Decimal("0.75"),
            mean_gap=Decimal("-1.25"),
        ),
    ]
    return HeatMap([HOSTILE], ["M.01"], cells)


def test_heat_map_is_valid_escaped_and_deterministic() -> None:
    svg = heat_map_svg(_heat(), all_label="Semua unit", title="Peta")
    ElementTree.fromstring(svg)  # well-formed
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg == heat_map_svg(_heat(), all_label="Semua unit", title="Peta")
    assert 'data-share="0.75"' in svg and ">75%<" in svg and ">-1.25<" in svg


def test_nine_box_draws_every_box_with_its_count() -> None:
    pool = TalentPool([NineBoxCell(unit=ALL_UNITS, box=9, count=4, names=["A"] * 4)], 0, [])
    svg = nine_box_svg(
        pool,
        ALL_UNITS,
        potentials=["r", "m", "t"],
        ratings=["Kinerja di bawah ekspektasi", "s", "a"],
        title="9",
    )
    ElementTree.fromstring(svg)
    counts = dict(re.findall(r'data-box="(\d)" data-count="(\d+)"', svg))
    assert counts == {str(b): "4" if b == 9 else "0" for b in range(1, 10)}
    assert svg.count("<tspan") == 4  # the long label on two lines, the short ones on one


def test_trend_and_jpm_bars() -> None:
    svg = trend_svg({"M.01": [("2024-01-01", 2), ("2026-01-01", 4)]}, title="Tren")
    ElementTree.fromstring(svg)
    assert svg.count("<circle") == 2
    bars = jpm_bars_svg([Decimal("95.5"), Decimal("100"), None, Decimal("42")], title="JPM")
    counts = dict(re.findall(r'data-bin="(\d+)" data-count="(\d+)"', bars))
    assert counts["90"] == "1" and counts["100"] == "1" and counts["40"] == "1"


def test_the_programme_catalogues_have_the_same_keys() -> None:
    ids = json.loads((CATALOGUE_DIR / "programmes.id.json").read_text("utf-8"))
    ens = json.loads((CATALOGUE_DIR / "programmes.en.json").read_text("utf-8"))
    assert ids.keys() == ens.keys()
