"""The audit page: actions and object types chosen from what the log holds, details read as
``key: value`` lines instead of raw JSON."""

from __future__ import annotations

import re
from html import unescape

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor, record
from tests.fixtures.factories import create_staff, login
from tests.fixtures.html import table_rows

HTML = {"Accept": "text/html"}


def _options(html: str, name: str) -> list[str]:
    block = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return [unescape(v) for v in re.findall(r'<option value="([^"]*)"', block)]


async def _log(db: AsyncSession) -> None:
    proctor = await create_staff(db, "proctor", username="sari")
    await record(
        db,
        Actor.staff(proctor, "10.0.0.9"),
        "attempt.extra_time",
        target_type="attempt",
        target_id=3,
        reason="listrik padam",
        details={"minutes": 5, "seats": ["A01", "A02"], "before": {"deadline": "09:00"}},
    )
    await record(db, Actor.system(), "sitting.close", target_type="sitting", target_id=1)


async def test_filters_offer_the_actions_and_object_types_in_the_log(
    client: AsyncClient, db: AsyncSession
) -> None:
    await _log(db)
    await login(client, await create_staff(db, "admin", username="kepala-audit"))
    page = await client.get("/admin/audit", headers=HTML)
    assert page.status_code == 200
    actions = _options(page.text, "action")
    assert actions[0] == "" and {"attempt.extra_time", "sitting.close"} <= set(actions)
    assert "staff.login" in actions  # the admin's own login is in the log too
    assert {"attempt", "sitting"} <= set(_options(page.text, "target_type"))
    assert 'input name="action"' not in page.text and 'input name="target_type"' not in page.text

    chosen = await client.get(
        "/admin/audit", params={"action": "sitting.close", "target_type": "sitting"}, headers=HTML
    )
    (only,) = table_rows(chosen.text, "audit")
    assert only[2] == "sitting.close"
    assert 'value="sitting.close" selected' in chosen.text

    # a value the log does not hold (an old shared link) stays chosen and finds nothing
    unknown = await client.get("/admin/audit", params={"action": "no.such"}, headers=HTML)
    assert unknown.status_code == 200 and 'value="no.such" selected' in unknown.text
    assert 'data-testid="audit"' not in unknown.text


async def test_details_read_as_key_value_lines(client: AsyncClient, db: AsyncSession) -> None:
    await _log(db)
    await login(client, await create_staff(db, "admin", username="kepala-detail"))
    page = await client.get("/admin/audit", params={"action": "attempt.extra_time"}, headers=HTML)
    (row,) = table_rows(page.text, "audit")
    details = row[6]
    assert "minutes: 5" in details and "seats: A01, A02" in details
    assert "before.deadline: 09:00" in details
    assert "{" not in details and '"' not in details
