"""The admin item-analysis page of a sitting shows the numbers of ``item_analysis()`` (and of its
exported tables), flags highlighted, an honest empty state, a 404 page, and admins only."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.analysis import service
from cact.analysis.service import item_analysis
from cact.analysis.stats import Analysis, analyse
from cact.competencies.models import Competency
from tests.analysis.test_item_analysis import _hand_cells
from tests.exports.support import csv_records, finished_sitting
from tests.fixtures.factories import create_staff, login
from tests.fixtures.html import table_rows
from tests.fixtures.sittings import open_sitting
from tests.participants.support import HTML, admin_login, untranslated

FLAGS_ID = {
    "negative_discrimination": "Daya beda negatif",
    "low_discrimination": "Daya beda rendah",
    "too_easy": "Terlalu mudah",
    "too_hard": "Terlalu sukar",
}
CODES = {text: code for code, text in FLAGS_ID.items()}


def _two(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


async def _expected_scales(db: AsyncSession, analysis: Analysis) -> list[list[str]]:
    names = {
        code: name for code, name in await db.execute(select(Competency.code, Competency.name_id))
    }
    return [
        [
            s.competency,
            names[s.competency],
            str(s.items),
            f"{s.form_items:.1f}",
            str(s.n),
            _two(s.mean_total),
            _two(s.sd_total),
            _two(s.alpha_form),
            _two(s.sem),
            _two(s.person_reliability),
            _two(s.person_separation),
        ]
        for s in analysis.scales
    ]


def _expected_items(analysis: Analysis) -> list[list[str]]:
    rows = []
    for i in analysis.items:
        options = " ".join(
            f"{o.label or '(kosong)'}: {o.count} · {round(o.share * 100)}% · {_two(o.mean_total)}"
            for o in i.options
        )
        rows.append(
            [
                i.competency,
                i.item_id,
                str(i.n),
                f"{i.max_score:g}",
                _two(i.mean_score),
                _two(i.facility),
                _two(i.discrimination) + ("T" if i.discrimination_basis == "test" else ""),
                _two(i.difficulty)
                + ("" if i.difficulty_se is None else f" ±{_two(i.difficulty_se)}"),
                f"{_two(i.infit)} / {_two(i.outfit)}",
                ", ".join(FLAGS_ID[f] for f in i.flags),
                options,
            ]
        )
    return rows


async def test_the_page_shows_the_numbers_of_item_analysis(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, attempts = await finished_sitting(client, db, participants=5)
    await admin_login(client, db)
    sitting_id = opened.sitting.id
    analysis = await item_analysis(db, sitting_id)
    assert analysis.items and analysis.scales

    page = await client.get(f"/admin/sittings/{sitting_id}/item-analysis", headers=HTML)
    assert page.status_code == 200, page.text
    assert untranslated(page.text) == []
    assert opened.sitting.code in page.text
    assert "5 pengerjaan (5 dikirim peserta, 0 habis waktu)" in page.text
    assert 'data-testid="analysis-empty"' not in page.text

    assert table_rows(page.text, "scales") == await _expected_scales(db, analysis)
    assert table_rows(page.text, "items") == _expected_items(analysis)
    flags = [f for i in analysis.items for f in i.flags]
    assert re.findall(r'<mark data-flag="([a-z_]+)"', page.text) == flags
    flagged = sum(1 for i in analysis.items if i.flags)
    assert f"{flagged} dari {len(analysis.items)} butir bertanda." in page.text
    negative = [i for i in analysis.items if "negative_discrimination" in i.flags]
    assert page.text.count('data-flag="negative_discrimination" class="error"') == len(negative)

    # The page agrees with the downloadable table it links to (4 decimals there, 2 here).
    link = f"/api/sittings/{sitting_id}/item-analysis/items.csv"
    assert f'href="{link}"' in page.text
    table = await client.get(link)
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    exported = {r["item_id"]: r for r in csv_records(table.text)}
    for row in table_rows(page.text, "items"):
        record = exported[row[1]]
        assert int(record["n"]) == int(row[2]) <= len(attempts)
        for shown, written in (
            (row[5], record["facility"]),
            (row[6].removesuffix("T"), record["discrimination"]),
        ):
            if written == "":
                assert shown == "—"
            else:
                assert float(shown) == pytest.approx(float(written), abs=0.005 + 1e-9)
        shown_flags = [CODES[text] for text in row[9].split(", ") if text]
        assert record["flags"].split() == shown_flags
    for fmt in ("xlsx", "csv?bom=true"):
        assert f'href="/api/sittings/{sitting_id}/item-analysis/scales.{fmt}"' in page.text


async def test_the_hand_computed_example_reads_as_in_the_docs(
    client: AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/item-analysis.md's 5 × 3 example: alpha 0.5769, SEM 0.7416, r 0.3273 / 0.5345."""
    opened = await open_sitting(db, participants=1)
    await admin_login(client, db)
    hand = analyse(_hand_cells(), {f"I{k}": ["A", "B", "C", "D"] for k in (1, 2, 3)})

    async def fake(_db: AsyncSession, _sitting_id: int) -> Analysis:
        return hand

    monkeypatch.setattr(service, "item_analysis", fake)
    page = await client.get(f"/admin/sittings/{opened.sitting.id}/item-analysis", headers=HTML)
    assert page.status_code == 200, page.text
    # Five attempts: below MIN_RELIABILITY_N, so alpha (forms) and Rasch stay blank; the SEM
    # falls back to the complete-case alpha (every attempt saw all three items).
    assert table_rows(page.text, "scales") == [
        ["M.01", "Integritas", "3", "3.0", "5", "1.40", "1.14", "—", "0.74", "—", "—"]
    ]
    items = table_rows(page.text, "items")
    # Three items per form leave two others: the rest is the whole test (here the same scale).
    assert [row[:10] for row in items] == [
        ["M.01", "I1", "5", "1", "0.60", "0.60", "0.33T", "—", "— / —", ""],
        ["M.01", "I2", "5", "1", "0.60", "0.60", "0.33T", "—", "— / —", ""],
        ["M.01", "I3", "5", "1", "0.20", "0.20", "0.53T", "—", "— / —", ""],
    ]
    assert items[2][10] == (
        "A: 2 · 40% · 1.50 B: 1 · 20% · 3.00 C: 1 · 20% · 1.00 D: 0 · 0% · — "
        "(kosong): 1 · 20% · 0.00"
    )
    assert "<mark" not in page.text.split('data-testid="items"')[1].split("</table>")[0]
    assert "0 dari 3 butir bertanda." in page.text


async def test_the_page_speaks_english_on_request(client: AsyncClient, db: AsyncSession) -> None:
    opened, _ = await finished_sitting(client, db, participants=3)
    await admin_login(client, db)
    page = await client.get(
        f"/admin/sittings/{opened.sitting.id}/item-analysis?lang=en", headers=HTML
    )
    assert page.status_code == 200 and untranslated(page.text) == []
    assert "Item analysis" in page.text and "Discrimination" in page.text
    assert "3 attempts (3 submitted, 0 time ran out)" in page.text
    assert "Daya beda" not in page.text


async def test_a_sitting_without_closed_attempts_has_an_empty_state(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=2)
    await admin_login(client, db)
    page = await client.get(f"/admin/sittings/{opened.sitting.id}/item-analysis", headers=HTML)
    assert page.status_code == 200, page.text
    assert untranslated(page.text) == []
    assert 'data-testid="analysis-empty"' in page.text
    assert "Belum ada yang dapat dianalisis" in page.text
    assert "0 pengerjaan (0 dikirim peserta, 0 habis waktu)" in page.text
    assert "0 sedang mengerjakan · 2 belum mulai" in page.text
    assert 'data-testid="items"' not in page.text and 'data-testid="scales"' not in page.text
    assert 'data-testid="not-final"' in page.text


async def test_an_unknown_sitting_is_a_404_page(client: AsyncClient, db: AsyncSession) -> None:
    await admin_login(client, db)
    page = await client.get("/admin/sittings/999999/item-analysis", headers=HTML)
    assert page.status_code == 404
    assert "Terjadi kesalahan (404)" in page.text and "Sesi tidak ditemukan." in page.text


@pytest.mark.parametrize("role", ["proctor", "editor"])
async def test_only_admins_see_the_page(client: AsyncClient, db: AsyncSession, role: str) -> None:
    opened = await open_sitting(db, participants=1)
    await login(client, await create_staff(db, role))
    refused = await client.get(f"/admin/sittings/{opened.sitting.id}/item-analysis")
    assert refused.status_code == 403
    assert refused.json()["error"] == "wrong_role"
    page = await client.get(f"/admin/sittings/{opened.sitting.id}/item-analysis", headers=HTML)
    assert page.status_code == 403 and 'data-testid="items"' not in page.text
