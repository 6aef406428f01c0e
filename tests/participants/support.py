"""Shared by the admin tests: real roster files (CSV bytes, XLSX workbooks built with openpyxl),
an admin client, positions, and reading tables out of rendered pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from httpx import AsyncClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Enrollment
from cact.participants.models import Participant
from cact.standards.models import Position
from tests.fixtures.factories import create_staff, login

HTML = {"Accept": "text/html"}
HEADER = (
    "nomor_peserta",
    "nip",
    "nama",
    "kode_jabatan",
    "unit_kerja",
    "instansi",
    "tanggal_lahir",
    "pin",
    "kinerja",
    "kursi",
)


def csv_bytes(
    rows: Sequence[Sequence[Any]],
    header: Sequence[str] = HEADER,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    """A real workbook: numbers stay numbers, dates are date cells (as Excel stores them)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Peserta"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def admin_login(client: AsyncClient, db: AsyncSession) -> AsyncClient:
    await login(client, await create_staff(db, "admin"))
    return client


async def positions(db: AsyncSession, *codes: str) -> dict[str, Position]:
    found = {}
    for code in codes:
        position = Position(code=code, name=f"Jabatan {code}", group="fungsional")
        db.add(position)
        found[code] = position
    await db.flush()
    return found


async def counts(db: AsyncSession) -> tuple[int, int]:
    participants = await db.scalar(select(func.count()).select_from(Participant))
    enrollments = await db.scalar(select(func.count()).select_from(Enrollment))
    return int(participants or 0), int(enrollments or 0)


def untranslated(html: str) -> list[str]:
    """Message keys that reached the page as text: a key missing from the catalogues."""
    return re.findall(r"[>\s\"](?:admin|editor|role)\.[a-z_]+\.[a-z_.]*[a-z_]", html)
