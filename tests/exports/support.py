"""A finished demo sitting: a few participants answer through the kiosk protocol and finish."""

from __future__ import annotations

import csv
import io

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.sittings import KioskClient, OpenSitting, open_sitting


async def finished_sitting(
    client: AsyncClient, db: AsyncSession, participants: int = 3
) -> tuple[OpenSitting, list[int]]:
    opened = await open_sitting(db, participants=participants)
    attempts = []
    for n, number in enumerate(opened.participant_nos):
        kiosk = KioskClient(client, number, opened.token)
        await kiosk.login()
        attempt = (await kiosk.call("POST", "/attempt/start")).json()  # type: ignore[attr-defined]
        section = (await kiosk.call("GET", f"/sections/{attempt['current_section_id']}")).json()  # type: ignore[attr-defined]
        for k, item in enumerate(section["items"][: 4 + n]):
            options = item["options"]
            choice = options[(n + k) % len(options)]["option_id"]
            response = await kiosk.answer(item["item_id"], choice, doubtful=k == 1)
            assert response.status_code == 200, response.text
        if n == 0:  # a changed answer: change_count 2
            first = section["items"][0]
            await kiosk.answer(first["item_id"], first["options"][-1]["option_id"])
        finished = await kiosk.call("POST", "/finish")
        assert finished.json()["status"] == "submitted"  # type: ignore[attr-defined]
        await kiosk.call("POST", "/logout")
        attempts.append(kiosk.attempt_id)
    client.headers.pop("Authorization", None)
    return opened, attempts


def unwrap(cell: str) -> str:
    """An identifier cell ``="…"`` (docs/exports.md) read back as its text."""
    if cell.startswith('="') and cell.endswith('"'):
        return cell[2:-1].replace('""', '"')
    return cell


def csv_rows(text: str, separator: str = ",") -> list[list[str]]:
    """Every row of a CSV export, identifiers unwrapped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=separator)
    return [[unwrap(cell) for cell in row] for row in reader]


def csv_records(text: str, separator: str = ",") -> list[dict[str, str]]:
    """The records of a CSV export by column name, identifiers unwrapped."""
    header, *rows = csv_rows(text, separator)
    return [dict(zip(header, row, strict=True)) for row in rows]
