"""Whether terminated attempts are scored, and whether they count in the distributions, is
scoring-policy data (issue 13): each setting acts on the individual report, the results export
and the sitting report's distributions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.proctoring import service as proctoring
from cact.scoring.policy import body_json, default_policy
from tests.fixtures.sittings import KioskClient, open_sitting

PROCTOR = Actor.system("test")


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def _answered(client: AsyncClient, number: str, token: str) -> KioskClient:
    kiosk = KioskClient(client, number, token)
    await kiosk.login()
    attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
    section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
    for item in section["items"][:4]:
        await kiosk.answer(item["item_id"], item["options"][0]["option_id"])
    return kiosk


@pytest.mark.parametrize(
    ("terminated", "scored", "counted"),
    [
        (None, True, False),  # the default: scored for the record, marked, left out
        ({"scored": True, "in_distributions": True}, True, True),
        ({"scored": False, "in_distributions": False}, False, False),
    ],
)
async def test_the_policy_decides_whether_a_terminated_attempt_is_scored_and_counted(
    admin_client: AsyncClient,
    db: AsyncSession,
    terminated: dict[str, bool] | None,
    scored: bool,
    counted: bool,
) -> None:
    opened = await open_sitting(db, participants=2)
    if terminated is not None:
        body = {**body_json(default_policy().body()), "terminated": terminated}
        created = await admin_client.post(
            "/api/scoring-policies", json={"code": "pengakhiran", "body": body}
        )
        assert created.status_code == 201, created.text
        chosen = await admin_client.put(
            f"/api/sittings/{opened.sitting.id}/scoring-policy",
            json={"policy_id": created.json()["id"]},
        )
        assert chosen.status_code == 200, chosen.text
    finished = await _answered(admin_client, opened.participant_nos[0], opened.token)
    cheat = await _answered(admin_client, opened.participant_nos[1], opened.token)
    assert (await finished.call("POST", "/finish")).status_code == 200  # type: ignore[attr-defined]
    await proctoring.terminate(db, cheat.attempt_id, "Membuka catatan", PROCTOR, datetime.now(UTC))
    await db.flush()
    admin_client.headers.pop("Authorization", None)

    # The individual report: a marked report, or a clear refusal that says why there is none.
    individual = await admin_client.get(f"/api/reports/attempts/{cheat.attempt_id}")
    if scored:
        assert individual.status_code == 200, individual.text
        assert individual.json()["close_reason"] == "terminated"
    else:
        assert individual.status_code == 409
        assert individual.json()["error"] == "not_scored_by_policy"
        assert "tidak dinilai" in individual.json()["detail"]
        page = await admin_client.get(
            f"/reports/attempts/{cheat.attempt_id}", headers={"Accept": "text/html"}
        )
        assert page.status_code == 409 and "tidak dinilai" in page.text

    # The results export: always a row for the attempt, saying whether it was scored.
    base = f"/api/sittings/{opened.sitting.id}/exports"
    rows = _jsonl((await admin_client.get(f"{base}/results.jsonl")).text)
    mine = [r for r in rows if r["attempt_id"] == cheat.attempt_id]
    assert mine and {r["close_reason"] for r in mine} == {"terminated"}
    assert {(r["scored"], r["in_distributions"]) for r in mine} == {(scored, counted)}
    if not scored:
        assert len(mine) == 1 and mine[0]["jpm"] is None and mine[0]["competency"] is None
    others = [r for r in rows if r["attempt_id"] == finished.attempt_id]
    assert others and {(r["scored"], r["in_distributions"]) for r in others} == {(True, True)}
    csv_header = (await admin_client.get(f"{base}/results.csv")).text.splitlines()[0]
    assert ",close_note,scored,in_distributions," in csv_header

    # The sitting report: distributions over the counted attempts only.
    report = (await admin_client.get(f"/api/reports/sittings/{opened.sitting.id}")).json()
    assert report["results"] == (2 if scored else 1)
    assert report["left_out_of_distributions"] == (0 if counted else 1)
    stored = next(d for d in report["distributions"] if d["stored"])
    in_scale = sum(c["count"] for c in stored["counts"]) + stored["uncategorised"]
    assert in_scale == (2 if counted else 1)
    assert {m["results"] for m in report["competencies"]} <= {2 if counted else 1}
    ending = next(e for e in report["endings"] if e["attempt_id"] == cheat.attempt_id)
    assert (ending["scored"], ending["in_distributions"]) == (scored, counted)
    html = (await admin_client.get(f"/reports/sittings/{opened.sitting.id}")).text
    assert ('data-testid="not-scored"' in html) is (not scored)


async def test_a_policy_cannot_count_attempts_it_does_not_score(admin_client: AsyncClient) -> None:
    body = {
        **body_json(default_policy().body()),
        "terminated": {"scored": False, "in_distributions": True},
    }
    refused = await admin_client.post("/api/scoring-policies", json={"code": "x", "body": body})
    assert refused.status_code == 422
    assert "in_distributions needs scored" in refused.text
