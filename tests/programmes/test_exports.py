"""A programme's exports are the concatenation of its sittings' exports."""

from __future__ import annotations

import json

import pytest
from httpx import AsyncClient

from cact.programmes.models import Programme
from tests.exports.support import csv_rows


def _csv(content: bytes) -> list[list[str]]:
    return csv_rows(content.decode())


@pytest.mark.parametrize("kind", ["responses", "results"])
async def test_responses_and_results_are_the_sittings_one_after_the_other(
    admin_client: AsyncClient, programme: Programme, kind: str
) -> None:
    sittings = (await admin_client.get(f"/api/programmes/{programme.id}")).json()["sittings"]
    assert len(sittings) == 2
    parts = []
    for s in sittings:
        response = await admin_client.get(f"/api/sittings/{s['id']}/exports/{kind}.csv")
        assert response.status_code == 200
        parts.append(_csv(response.content))
    whole = await admin_client.get(f"/api/programmes/{programme.id}/exports/{kind}.csv")
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-disposition"].endswith(f'-{kind}.csv"')
    rows = _csv(whole.content)
    assert rows[0] == parts[0][0] == parts[1][0]
    assert rows[1:] == parts[0][1:] + parts[1][1:]
    assert len(parts[0]) > 1 and len(parts[1]) > 1
    lines = (await admin_client.get(f"/api/programmes/{programme.id}/exports/{kind}.jsonl")).text
    assert len(lines.splitlines()) == len(rows) - 1
    assert json.loads(lines.splitlines()[0])["sitting_code"] == sittings[0]["code"]


async def test_the_matrix_is_the_sittings_rows_over_the_union_of_item_columns(
    admin_client: AsyncClient, programme: Programme
) -> None:
    sittings = (await admin_client.get(f"/api/programmes/{programme.id}")).json()["sittings"]
    expected: list[dict[str, str]] = []
    items: set[str] = set()
    for s in sittings:
        table = _csv(
            (await admin_client.get(f"/api/sittings/{s['id']}/exports/matrix.csv")).content
        )
        items.update(table[0][3:])
        expected += [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    whole = _csv(
        (await admin_client.get(f"/api/programmes/{programme.id}/exports/matrix.csv")).content
    )
    assert whole[0][:3] == ["sitting_code", "attempt_id", "participant_no"]
    assert set(whole[0][3:]) == items and len(whole[0]) == 3 + len(items)
    got = [
        {k: v for k, v in zip(whole[0], row, strict=True) if v != "" or k in ("sitting_code",)}
        for row in whole[1:]
    ]
    assert got == [
        {k: v for k, v in row.items() if v != "" or k == "sitting_code"} for row in expected
    ]
    xlsx = await admin_client.get(f"/api/programmes/{programme.id}/exports/matrix.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


async def test_unknown_kinds_and_programmes(
    admin_client: AsyncClient, programme: Programme
) -> None:
    assert (
        await admin_client.get(f"/api/programmes/{programme.id}/exports/audit.csv")
    ).status_code == 422
    assert (
        await admin_client.get(f"/api/programmes/{programme.id}/exports/results.pdf")
    ).status_code == 422
    assert (await admin_client.get("/api/programmes/999999/exports/results.csv")).status_code == 404
