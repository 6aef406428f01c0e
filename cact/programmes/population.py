"""The target population from the agency's staff list (CSV/XLSX: NIP, name, position, unit,
group). The roster format of docs/roster-format.md plus one column, the position group; the
people are registered or updated through the roster import, then put in the population.
All or nothing: every problem by row and column, nothing written unless the whole file is right.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.participants.repository import ParticipantRepository
from cact.participants.roster_file import parse_roster
from cact.programmes import service
from cact.programmes.repository import ProgrammeRepository
from cact.programmes.schemas import PopulationReport
from cact.rosters import service as roster
from cact.standards.sheets import Column, cell
from item_bank.values import cell_text

GROUP = Column("position_group", "kelompok_jabatan", ("group", "kelompok", "jenis_jabatan"))
GROUP_LIMIT = 64

STAFF_LIST_MESSAGES = {
    "unknown_column": (
        'Kolom "{value}" tidak dikenal. Kolom yang dikenal: nomor_peserta, nip, nama, '
        "kode_jabatan, unit_kerja, kelompok_jabatan, instansi, tanggal_lahir, pin, kinerja.",
        'Unknown column "{value}". Known columns: participant_no, nip, name, position_code, '
        "unit, position_group, agency, birth_date, pin, performance_rating.",
    ),
}


async def import_population(
    db: AsyncSession,
    programme_id: int,
    upload: bytes,
    filename: str,
    *,
    actor: Actor,
    dry_run: bool = False,
) -> PopulationReport:
    programme = await service.get(db, programme_id)
    parsed = parse_roster(filename, upload, extra=(GROUP,), messages=STAFF_LIST_MESSAGES)
    groups: dict[int, str | None] = {}
    index = parsed.columns.get(GROUP.name)
    if parsed.table is not None and index is not None:
        for number, cells in parsed.table.rows:
            text = cell_text(cell(cells, index))
            if text is not None and len(text) > GROUP_LIMIT:
                parsed.at("value_too_long", number, GROUP, length=len(text), limit=GROUP_LIMIT)
            groups[number] = text
    # A problem of the group column makes the roster import report without writing.
    base = await roster.import_roster(
        db, upload, filename, sitting_id=None, actor=actor, dry_run=dry_run, parsed=parsed
    )
    report = PopulationReport(**base.model_dump(), programme_id=programme.id)
    if not report.valid:
        return report
    repo = ProgrammeRepository(db)
    people = ParticipantRepository(db)
    numbers = {row.number for row in parsed.rows if row.number}
    by_number = await people.by_numbers(numbers)
    by_nip = await people.by_nips({row.nip for row in parsed.rows if row.nip})
    existing = await repo.members(programme.id)
    rows: list[dict[str, object] | None] = []
    for row in parsed.rows:
        person = (by_number.get(row.number) if row.number else None) or (
            by_nip.get(row.nip) if row.nip else None
        )
        if person is None:  # dry run: a new person, not registered yet
            rows.append(None)
            continue
        rows.append(
            {
                "participant_id": person.id,
                "position_group": groups.get(row.row),
                "source_row": row.row,
            }
        )
    known = [r for r in rows if r is not None]
    kept = sum(1 for r in known if r["participant_id"] in existing)
    report = report.model_copy(update={"added": len(rows) - kept, "kept": kept})
    if dry_run:
        return report
    await repo.upsert_members(programme.id, known)
    await audit.record(
        db,
        actor,
        "programme.population_import",
        target_type="programme",
        target_id=programme.id,
        details=report.model_dump(include={"file", "rows", "added", "kept", "created"}),
    )
    return report
