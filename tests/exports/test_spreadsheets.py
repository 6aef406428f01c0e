"""The standard CSV and the CSV for Excel (Indonesia) as a spreadsheet reads them: LibreOffice
Calc (headless, Debian's package) opens each, saves it as XLSX, and every NIP keeps its 18
digits, every participant number its leading zeros, and every row its columns.

Where soffice (or its Calc) is missing the test is skipped, except under CI=true, where that is
a failure: ``make browser`` installs libreoffice-calc."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import Enrollment
from cact.exports import columns
from cact.participants.models import Participant
from cact.scoring.models import ResultCompetency
from tests.exports.support import finished_sitting
from tests.fixtures.factories import create_staff, login

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Calc's CSV import: separator, text delimiter ", UTF-8 (76), start at row 1, column types
# (none: Calc detects them, as a user opening the file does), language (1057: Indonesian).
FILTERS = {"csv": "CSV:44,34,76,1", "csv-id": "CSV:59,34,76,1,,1057"}
NAMES = ("Sitti Nurhaliza, S.Pd.", 'Andi "Ucok"; M.Si.', "I Gusti Ayu Made")


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}: make browser installs libreoffice-calc")
    pytest.skip(f"{what} (sudo apt-get install libreoffice-calc)")


def read_by_calc(data: bytes, fmt: str, folder: Path) -> list[list[object]]:
    """The CSV opened by LibreOffice Calc and saved as XLSX: the cells as Calc holds them."""
    if SOFFICE is None:
        _missing("LibreOffice (soffice) is not installed")
    source = folder / "in" / "export.csv"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(data)
    out = folder / "out"
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            f"--infilter={FILTERS[fmt]}",
            "--convert-to",
            "xlsx:Calc Office Open XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out / "export.xlsx"
    if not saved.exists():
        _missing("LibreOffice Calc (libreoffice-calc) is not installed")
    book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), data_only=True)
    return [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]


async def test_calc_keeps_every_nip_and_splits_the_columns_of_both_csvs(
    client: AsyncClient, db: AsyncSession, tmp_path: Path
) -> None:
    opened, _ = await finished_sitting(client, db)
    people = list(
        await db.scalars(
            select(Participant)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.sitting_id == opened.sitting.id)
            .order_by(Participant.id)
        )
    )
    nips = {}
    for n, person in enumerate(people):
        person.nip = f"1986050{n}2010011{n:03d}"
        person.participant_no = f"00{n + 1}"  # leading zeros a spreadsheet would drop
        person.name = NAMES[n]
        nips[person.participant_no] = (person.nip, person.name)
    await db.flush()
    assert all(len(nip) == 18 and nip.isdigit() for nip, _ in nips.values())
    await login(client, await create_staff(db, "admin"))
    indices = {float(i) for i in await db.scalars(select(ResultCompetency.index))}

    for fmt in ("csv", "csv-id"):
        for kind, names in (("results", columns.RESULTS), ("responses", columns.RESPONSES)):
            url = f"/api/sittings/{opened.sitting.id}/exports/{kind}.{fmt}"
            served = await client.get(url)
            assert served.status_code == 200, served.text
            rows = read_by_calc(served.content, fmt, tmp_path / fmt / kind)
            header, *data = rows
            assert tuple(header) == names, (fmt, kind)
            assert data, (fmt, kind)
            at = {name: names.index(name) for name in names}
            for row in data:
                assert len(row) == len(names), (fmt, kind, row)
                number = row[at["participant_no"]]
                assert isinstance(number, str) and number in nips, (fmt, kind, number)
                nip, name = nips[number]
                assert row[at["nip"]] == nip, (fmt, kind)  # text, all 18 digits
                assert row[at["name"]] == name, (fmt, kind)
                assert row[at["sitting_code"]] == opened.sitting.code
                assert isinstance(row[at["attempt_id"]], int | float)
            if kind == "results":  # decimals read as numbers: "0,7500" in the Indonesian CSV
                assert all(isinstance(r[at["index"]], float | int) for r in data), fmt
                assert {float(r[at["index"]]) for r in data} == indices  # type: ignore[arg-type]
                assert {r[at["time_zone_label"]] for r in data} == {"WIB"}
