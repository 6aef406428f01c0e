"""The audit log page (filters, pages) and its export: CSV (with a BOM when asked) and JSON
Lines, streamed, read back with the csv and json modules."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from tests.fixtures.factories import create_staff, login
from tests.fixtures.html import table_rows
from tests.participants.support import HTML, untranslated


async def _events(db: AsyncSession) -> None:
    proctor = await create_staff(db, "proctor", username="rina")
    await record(
        db,
        Actor.staff(proctor, "10.0.0.7"),
        "attempt.extra_time",
        target_type="attempt",
        target_id=7,
        reason='=HYPERLINK("http://x") listrik padam',
        details={"minutes": 5, "catatan": "Ruang Melati"},
        sitting_id=None,
    )
    for n in range(3):
        await record(db, Actor.system(), "attempt.expire", target_type="attempt", target_id=n)


async def test_the_page_filters_and_pages_the_log(client: AsyncClient, db: AsyncSession) -> None:
    await _events(db)
    await login(client, await create_staff(db, "admin", username="kepala"))
    page = await client.get("/admin/audit", params={"action": "attempt.expire"}, headers=HTML)
    assert page.status_code == 200 and untranslated(page.text) == []
    rows = table_rows(page.text, "audit")
    assert len(rows) == 3 and {r[2] for r in rows} == {"attempt.expire"}
    assert "3 kejadian." in page.text

    by_actor = await client.get(
        "/admin/audit", params={"actor": "rina", "actor_kind": "staff"}, headers=HTML
    )
    (only,) = table_rows(by_actor.text, "audit")
    assert only[2] == "attempt.extra_time" and "Ruang Melati" in only[6] and only[7] == "10.0.0.7"

    wib = datetime.now(ZoneInfo("Asia/Jakarta"))  # the filters read the default zone's clock
    later = (wib + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    none_yet = await client.get("/admin/audit", params={"since": later}, headers=HTML)
    assert 'data-testid="audit"' not in none_yet.text and "0 kejadian." in none_yet.text
    bad = await client.get("/admin/audit", params={"since": "kemarin"}, headers=HTML)
    assert bad.status_code == 422 and "kemarin" in bad.text

    paged = await client.get("/admin/audit", params={"actor_kind": "system"}, headers=HTML)
    assert 'data-testid="export-csv"' in paged.text
    assert "/api/audit/export?actor_kind=system&amp;format=csv" in paged.text


async def test_the_csv_export_streams_with_a_bom_and_reads_back(
    client: AsyncClient, db: AsyncSession
) -> None:
    await _events(db)
    await login(client, await create_staff(db, "admin"))
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    response = await client.get(
        "/api/audit/export",
        params={"format": "csv", "bom": "true", "action": "attempt.expire", "since": since},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["attempt.expire"] * 3
    assert [r["target_id"] for r in rows] == ["0", "1", "2"]  # oldest first
    assert all(datetime.fromisoformat(r["occurred_at"]).tzinfo for r in rows)

    plain = await client.get("/api/audit/export", params={"action": "attempt.extra_time"})
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    (row,) = list(csv.DictReader(io.StringIO(plain.text)))
    assert row["reason"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert json.loads(row["details"]) == {"catatan": "Ruang Melati", "minutes": 5}
    assert (row["actor_name"], row["ip"], row["sitting_id"]) == ("rina", "10.0.0.7", "")


async def test_the_jsonl_export_reads_back_line_by_line(
    client: AsyncClient, db: AsyncSession
) -> None:
    await _events(db)
    await login(client, await create_staff(db, "admin"))
    response = await client.get(
        "/api/audit/export", params={"format": "jsonl", "target_type": "attempt"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    events = [json.loads(line) for line in response.text.splitlines()]
    assert [e["action"] for e in events] == ["attempt.extra_time"] + ["attempt.expire"] * 3
    assert events[0]["details"] == {"minutes": 5, "catatan": "Ruang Melati"}
    assert events[0]["reason"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet
    bad = await client.get("/api/audit/export", params={"format": "xml"})
    assert bad.status_code == 422


async def test_a_large_export_streams_every_event_in_order(
    client: AsyncClient, db: AsyncSession
) -> None:
    for n in range(1200):
        await record(db, Actor.system("bulk"), "bulk.event", target_type="item", target_id=n)
    await login(client, await create_staff(db, "admin"))
    chunks = []
    async with client.stream(
        "GET", "/api/audit/export", params={"actor": "bulk", "format": "jsonl"}
    ) as response:
        async for chunk in response.aiter_text():
            chunks.append(chunk)
    lines = "".join(chunks).splitlines()
    assert len(lines) == 1200 and json.loads(lines[-1])["target_id"] == "1199"
