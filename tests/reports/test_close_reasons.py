"""How an attempt ended travels with it: reports, sitting report and exports carry the close
reason; terminated attempts follow the scoring policy; absent participants show as absent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.proctoring import service as proctoring
from cact.reports.closing import counts_in_distributions
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import KioskClient, open_sitting

PROCTOR = Actor.system("test")


async def _started(client: AsyncClient, number: str, token: str) -> KioskClient:
    kiosk = KioskClient(client, number, token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
    for item in section["items"][:4]:
        await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    return kiosk


def _jsonl(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def test_every_report_and_export_says_how_each_attempt_ended(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db, participants=4)
    finished, cheat, slow = [
        await _started(client, n, opened.token) for n in opened.participant_nos[:3]
    ]
    absent_no = opened.participant_nos[3]
    assert (await finished.call("POST", "/finish")).status_code == 200  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    await proctoring.terminate(db, cheat.attempt_id, "Membuka catatan di meja", PROCTOR, now)
    await proctoring.close_sitting(db, opened.sitting.id, "Waktu ruangan habis", PROCTOR, now)
    await db.flush()
    await login(client, await create_staff(db, "admin"))

    ended = {
        k.attempt_id: (await client.get(f"/api/reports/attempts/{k.attempt_id}")).json()
        for k in (finished, cheat, slow)
    }
    assert ended[finished.attempt_id]["close_reason"] == "finished"
    assert ended[cheat.attempt_id]["close_reason"] == "terminated"
    assert ended[cheat.attempt_id]["close_note"] == "Membuka catatan di meja"
    assert ended[slow.attempt_id]["close_reason"] == "sitting_closed"  # not "by the participant"
    banner = (await client.get(f"/reports/attempts/{cheat.attempt_id}")).text
    assert 'data-close-reason="terminated"' in banner and "Membuka catatan di meja" in banner
    assert "Dihentikan oleh pengawas" in banner
    closed_page = (await client.get(f"/reports/attempts/{slow.attempt_id}")).text
    assert "bukan diselesaikan peserta" in closed_page
    plain = (await client.get(f"/reports/attempts/{finished.attempt_id}")).text
    assert "close-reason-banner" not in plain

    report = (await client.get(f"/api/reports/sittings/{opened.sitting.id}")).json()
    endings = {e["attempt_id"]: e for e in report["endings"]}
    assert set(endings) == {cheat.attempt_id, slow.attempt_id}
    assert endings[cheat.attempt_id]["close_reason"] == "terminated"
    assert endings[cheat.attempt_id]["in_distributions"] is False  # the default policy
    assert endings[slow.attempt_id]["in_distributions"] is True
    assert [a["participant_no"] for a in report["absent"]] == [absent_no]
    assert report["results"] == 3 and report["left_out_of_distributions"] == 1
    stored = next(d for d in report["distributions"] if d["stored"])
    assert sum(c["count"] for c in stored["counts"]) + stored["uncategorised"] == 2
    page = (await client.get(f"/reports/sittings/{opened.sitting.id}")).text
    assert page.count('data-testid="ending-row"') == 2 and 'data-testid="absent-row"' in page

    base = f"/api/sittings/{opened.sitting.id}/exports"
    results = _jsonl((await client.get(f"{base}/results.jsonl")).text)
    by_attempt = {(r["attempt_id"], r["close_reason"], r["close_note"]) for r in results}
    assert by_attempt == {
        (finished.attempt_id, "finished", None),
        (cheat.attempt_id, "terminated", "Membuka catatan di meja"),
        (slow.attempt_id, "sitting_closed", None),
    }
    responses = _jsonl((await client.get(f"{base}/responses.jsonl")).text)
    never_started = {r["attempt_id"] for r in responses if r["close_reason"] is None}
    assert len(never_started) == 1  # the absent participant's form: no close, no reason
    assert {(r["attempt_id"], r["close_reason"]) for r in responses if r["close_reason"]} == {
        (finished.attempt_id, "finished"),
        (cheat.attempt_id, "terminated"),
        (slow.attempt_id, "sitting_closed"),
    }
    header = (await client.get(f"{base}/results.csv")).text.splitlines()[0]
    assert "close_reason,close_note,scored,in_distributions," in header  # then later columns


def test_the_policy_decides_whether_terminated_attempts_count_in_distributions() -> None:
    assert counts_in_distributions(None, "terminated") is False
    assert counts_in_distributions({"terminated": {"in_distributions": True}}, "terminated")
    assert counts_in_distributions(None, "sitting_closed") and counts_in_distributions(None, None)
