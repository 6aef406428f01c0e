"""The server-drawn charts: geometry of the SPEC §4 worked check, escaping, determinism."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from cact.reports.charts import BarGroup, RadarAxis, RadarGeometry, bar_svg, radar_svg

SVG = "{http://www.w3.org/2000/svg}"
CODES = ["M.01", "M.02", "M.03", "M.04", "M.05", "M.06", "M.07", "M.08", "SK.01"]
ATTAINED = [3, 3, 3, 3, 2, 3, 3, 3, 3]
HOSTILE = '</title><script>alert("x")</script> & <g onload=1>'


def _worked_check() -> list[RadarAxis]:
    axes = [RadarAxis(c, f"Kompetensi {c}", 3, a) for c, a in zip(CODES, ATTAINED, strict=True)]
    axes[2] = RadarAxis(CODES[2], HOSTILE, 3, 3)
    return axes


def _radii(points: str, centre: float) -> list[float]:
    pairs = [p.split(",") for p in points.split()]
    return [math.hypot(float(x) - centre, float(y) - centre) for x, y in pairs]


def test_the_worked_check_draws_nine_axes_and_two_polygons_at_the_right_radii() -> None:
    geometry = RadarGeometry()
    svg = radar_svg(_worked_check(), title="Profil")
    root = ET.fromstring(svg)  # our own output: well-formed XML
    axes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "axis"]
    assert [a.get("data-code") for a in axes] == CODES
    series = {p.get("data-series"): p for p in root.iter(f"{SVG}polygon") if p.get("data-series")}
    assert set(series) == {"required", "attained"}
    ring = geometry.radius / 5
    required = _radii(series["required"].get("points", ""), geometry.centre)
    attained = _radii(series["attained"].get("points", ""), geometry.centre)
    assert len(required) == len(attained) == 9
    assert all(math.isclose(r, 3 * ring, abs_tol=0.02) for r in required)
    assert [round(r / ring, 2) for r in attained] == [float(a) for a in ATTAINED]
    # the first axis points straight up; the fifth (M.05, attained 2) lies clockwise of it
    first = series["attained"].get("points", "").split()[0].split(",")
    assert float(first[0]) == geometry.centre and float(first[1]) < geometry.centre
    rings = [p for p in root.iter(f"{SVG}polygon") if p.get("class") == "ring"]
    assert [r.get("data-level") for r in rings] == ["1", "2", "3", "4", "5"]


def test_a_hostile_competency_name_is_escaped_and_kept_as_text() -> None:
    svg = radar_svg(_worked_check())
    assert "<script>" not in svg and "<g onload" not in svg
    root = ET.fromstring(svg)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert f"M.03 {HOSTILE}" in titles
    assert not list(root.iter(f"{SVG}script"))


def test_the_output_is_deterministic() -> None:
    assert radar_svg(_worked_check()) == radar_svg(_worked_check())
    groups = [BarGroup("M.01", HOSTILE, 3.0, 2.5), BarGroup("SK.01", "Perekat", None, 4.0)]
    assert bar_svg(groups) == bar_svg(groups)


def test_the_bar_chart_scales_means_to_five_levels_and_escapes() -> None:
    groups = [BarGroup("M.01", HOSTILE, 3.0, 2.5), BarGroup("SK.01", "Perekat", None, 5.0)]
    root = ET.fromstring(bar_svg(groups))
    rects = {
        (r.get("data-series"), r.get("data-value")): float(r.get("height", "0"))
        for r in root.iter(f"{SVG}rect")
    }
    assert rects[("required", "3.00")] == 132.0  # 220 × 3 / 5
    assert rects[("attained", "2.50")] == 110.0
    assert rects[("attained", "5.00")] == 220.0
    assert rects[("required", "–")] == 0.0
    assert "<script>" not in bar_svg(groups)


def test_fewer_than_three_axes_and_none_still_make_valid_svg() -> None:
    for axes in ([], [RadarAxis("A", "a", 2, None)], [RadarAxis("A", "a", 2, 1)] * 2):
        ET.fromstring(radar_svg(axes))
