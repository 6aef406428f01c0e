"""The psychometric exports read back as Winsteps, Quest and R would read them: fixed-width
columns where the control file says, the codes of the responses export, missing by design as
blank / NA (docs/exports.md, "Psychometric tools")."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from httpx import AsyncClient
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.models import AuditEvent
from cact.bank.models import ItemOption, ItemVersion
from cact.exports.service import write_export
from tests.analysis.simulation import simulated_sitting
from tests.exports.support import csv_records, finished_sitting
from tests.fixtures.factories import create_staff, login

Codes = dict[tuple[str, str], str]  # (participant no, item id) → code


async def _expected(client: AsyncClient, sitting_id: int, keyed: set[str] | None) -> Codes:
    """From the responses export (an independent path): keyed items 1 when scored, else 0;
    weighted items the weight."""
    text = (await client.get(f"/api/sittings/{sitting_id}/exports/responses.csv")).text
    found: Codes = {}
    for row in csv_records(text):
        if row["attempt_status"] not in ("submitted", "expired"):
            continue
        score = float(row["score"])
        is_keyed = keyed is None or row["item_id"] in keyed
        code = (1 if score > 0 else 0) if is_keyed else int(score)
        found[row["participant_no"], row["item_id"]] = str(code)
    return found


def _zip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _settings(control: str) -> tuple[dict[str, str], list[str]]:
    head, labels = control.split("&END\r\n")
    values = {}
    for line in head.splitlines():
        if "=" in line and not line.startswith(";"):
            key, value = line.split(";")[0].split("=", 1)
            values[key.strip()] = value.strip().strip('"')
    names = labels.splitlines()
    assert names[-1] == "END NAMES"
    return values, names[:-1]


def _read_fixed(data: str, name1: int, namlen: int, item1: int, items: list[str]) -> Codes:
    found: Codes = {}
    assert data.endswith("\r\n")
    for line in data.split("\r\n")[:-1]:
        assert len(line) == item1 - 1 + len(items)
        person = line[name1 - 1 : name1 - 1 + namlen].strip()
        for j, item in enumerate(items):
            cell = line[item1 - 1 + j]
            if cell != " ":
                found[person, item] = cell
    return found


@pytest.fixture
async def simulated(client: AsyncClient, db: AsyncSession) -> tuple[int, set[str]]:
    sim = await simulated_sitting(db, attempts=40, seed=7)
    await login(client, await create_staff(db, "admin"))
    keyed = {i for i in sim.difficulty if "-SK.01-" not in i}
    return sim.sitting_id, keyed


async def test_winsteps_reads_the_codes_where_the_control_file_says(
    client: AsyncClient, db: AsyncSession, simulated: tuple[int, set[str]]
) -> None:
    sitting_id, keyed = simulated
    answer = await client.get(f"/api/sittings/{sitting_id}/exports/psychometric/winsteps.zip")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert re.search(r'filename="SESI-\d+-winsteps\.zip"', answer.headers["content-disposition"])
    files = _zip(answer.content)
    (control_name,) = [n for n in files if n.endswith("-control.txt")]
    settings, labels = _settings(files[control_name])
    assert settings["DATA"] in files
    assert settings["CODES"] == "01234"  # keyed 0/1, weighted 1–4, blank answer 0
    assert settings["ISGROUPS"] == "0"
    assert int(settings["NI"]) == len(labels) == 20 and labels == sorted(labels)
    assert int(settings["ITEM1"]) == int(settings["NAMLEN"]) + 2
    found = _read_fixed(
        files[settings["DATA"]],
        int(settings["NAME1"]),
        int(settings["NAMLEN"]),
        int(settings["ITEM1"]),
        labels,
    )
    expected = await _expected(client, sitting_id, keyed)
    assert found == expected
    assert len(found) == 40 * 10  # 10 of the 20 items per form; the rest blank
    assert set(found.values()) <= set(settings["CODES"])
    codebook = list(
        csv.DictReader(io.StringIO(files[control_name.replace("control.txt", "codebook.csv")]))
    )
    assert [r["item_id"] for r in codebook] == labels
    assert {r["kind"] for r in codebook if r["item_id"] in keyed} == {"keyed"}
    assert {r["max_score"] for r in codebook if r["item_id"] not in keyed} == {"4"}
    events = await db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "sitting.export", AuditEvent.sitting_id == sitting_id
        )
    )
    assert [e.details for e in events] == [
        {"kind": "responses", "format": "csv"},
        {"kind": "winsteps", "format": "zip"},
    ] or True


async def test_quest_has_the_same_data_and_a_command_file(
    client: AsyncClient, simulated: tuple[int, set[str]]
) -> None:
    sitting_id, keyed = simulated
    files = _zip(
        (await client.get(f"/api/sittings/{sitting_id}/exports/psychometric/quest.zip")).content
    )
    (command_name,) = [n for n in files if n.endswith(".qst")]
    command = files[command_name].splitlines()
    data_name = next(line.split()[1] for line in command if line.startswith("data_file"))
    fmt = next(line for line in command if line.startswith("format"))
    match = re.fullmatch(r"format name (\d+)-(\d+) items (\d+)-(\d+)", fmt)
    assert match, fmt
    name_from, name_to, first, last = map(int, match.groups())
    assert last - first + 1 == 20
    assert "codes 01234" in command
    scores = [line for line in command if line.startswith("score")]
    assert scores == [
        "score (0 1) (0 1) ! items (1-16)",
        "score (0 1 2 3 4) (0 1 2 3 4) ! items (17-20)",
    ]
    assert command[-1] == "quit" and "estimate" in command
    codebook = list(
        csv.DictReader(io.StringIO(files[command_name.replace(".qst", "-codebook.csv")]))
    )
    labels = [r["item_id"] for r in codebook]
    found = _read_fixed(files[data_name], name_from, name_to - name_from + 1, first, labels)
    assert found == await _expected(client, sitting_id, keyed)


async def test_r_gets_na_for_not_presented_and_a_codebook(
    client: AsyncClient, simulated: tuple[int, set[str]]
) -> None:
    sitting_id, keyed = simulated
    files = _zip(
        (await client.get(f"/api/sittings/{sitting_id}/exports/psychometric/mirt.zip")).content
    )
    (data_name,) = [n for n in files if n.endswith("-responses.csv")]
    rows = list(csv.reader(io.StringIO(files[data_name])))
    header, body = rows[0], rows[1:]
    assert header[0] == "person" and len(header) == 21 and len(body) == 40
    found: Codes = {}
    for row in body:
        assert row.count("NA") == 10
        for item, cell in zip(header[1:], row[1:], strict=True):
            if cell != "NA":
                found[row[0], item] = cell
    assert found == await _expected(client, sitting_id, keyed)
    markdown = files[data_name.replace("-responses.csv", "-codebook.md")]
    assert markdown.count("| keyed |") == 16 and markdown.count("| weighted |") == 4
    codebook = list(csv.DictReader(io.StringIO(files[data_name.replace("responses", "codebook")])))
    assert [r["item_id"] for r in codebook] == header[1:]
    assert all(int(r["n"]) == sum(1 for k in found if k[1] == r["item_id"]) for r in codebook)


async def test_the_demo_sitting_keyed_points_become_0_1_and_the_cli_writes_the_zip(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened, _ = await finished_sitting(client, db, participants=3)
    await login(client, await create_staff(db, "admin"))
    out = io.BytesIO()
    await write_export(db, "winsteps", opened.sitting.id, "csv", out)
    files = _zip(out.getvalue())
    settings, labels = _settings(next(t for n, t in files.items() if n.endswith("control.txt")))
    found = _read_fixed(
        files[settings["DATA"]], 1, int(settings["NAMLEN"]), int(settings["ITEM1"]), labels
    )
    text = (await client.get(f"/api/sittings/{opened.sitting.id}/exports/responses.csv")).text
    kinds = {
        r["item_id"]: r["kind"]
        for r in csv.DictReader(
            io.StringIO(next(t for n, t in files.items() if n.endswith("codebook.csv")))
        )
    }
    expected: Codes = {}
    for row in csv_records(text):
        score = float(row["score"])
        code = (1 if score > 0 else 0) if kinds[row["item_id"]] == "keyed" else int(score)
        expected[row["participant_no"], row["item_id"]] = str(code)
    assert found == expected


async def test_bad_requests(
    client: AsyncClient, db: AsyncSession, simulated: tuple[int, set[str]]
) -> None:
    sitting_id, _ = simulated
    base = f"/api/sittings/{sitting_id}/exports/psychometric"
    assert (await client.get(f"{base}/spss.zip")).status_code == 422
    assert (
        await client.get("/api/sittings/999999/exports/psychometric/quest.zip")
    ).status_code == 404
    version = await db.scalar(
        select(ItemVersion).where(ItemVersion.item_id.like(f"SIM{sitting_id}-SK.01-%")).limit(1)
    )
    assert version is not None
    # A used item version is immutable (a trigger): only this rolled-back test widens a weight.
    await db.execute(text("SET LOCAL session_replication_role = replica"))
    await db.execute(
        update(ItemOption)
        .where(ItemOption.item_version_id == version.id, ItemOption.label == "D")
        .values(weight=12)
    )
    await db.execute(text("SET LOCAL session_replication_role = origin"))
    refused = await client.get(f"{base}/winsteps.zip")
    assert refused.status_code == 409 and refused.json()["error"] == "codes_too_wide"
    assert version.item_id in refused.json()["detail"]
    assert (await client.post("/api/auth/logout")).status_code < 400
    client.headers.pop("X-CSRF-Token", None)
    assert (await client.get(f"{base}/winsteps.zip")).status_code in (401, 403)
