"""Positions ("jabatan") and their competency standards: imported from files, all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.competencies.service import known_codes
from cact.kit.errors import InvalidInput, NotFound
from cact.standards.models import Position
from cact.standards.repository import PositionRepository, StandardRepository
from cact.standards.schemas import ImportReport, PositionDetail, RequiredLevel
from cact.standards.uploads import MESSAGES, StandardRow, parse_standards
from item_bank.problems import Problem

DEMO_STANDARDS = Path(__file__).resolve().parents[1] / "demo" / "standards.csv"


class StandardsRejected(InvalidInput):
    code = "invalid_standards"
    message = (
        "Berkas standar kompetensi tidak valid; tidak ada yang disimpan. / "
        "Invalid competency-standards file; nothing saved."
    )

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__([p.model_dump(exclude_none=True) for p in self.problems])

    def lines(self, language: str = "id") -> list[str]:
        """One line per problem for a terminal: ``file:sheet:row:column: code message``."""
        return [f"{p.where()}: {p.code} {p.message(language)}" for p in self.problems]


class PositionNotFound(NotFound):
    code = "position_not_found"
    message = "Jabatan tidak ditemukan. / Position not found."


async def parse_file(db: AsyncSession, filename: str, data: bytes) -> list[StandardRow]:
    """Validated rows of an uploaded file, or StandardsRejected with every problem."""
    parsed = parse_standards(filename, data, await known_codes(db))
    if parsed.problems:
        raise StandardsRejected(parsed.problems)
    return parsed.rows


async def import_standards(
    db: AsyncSession, rows: Sequence[StandardRow], actor: Actor, *, source: str = "upload"
) -> ImportReport:
    """Create or update each position and replace its standard with the given levels, in the
    caller's transaction: with the request's (or the CLI's) commit it is all or nothing."""
    unknown = {c for r in rows for c in r.levels} - await known_codes(db)
    if unknown:
        raise StandardsRejected([_unknown(source, code) for code in sorted(unknown)])
    positions = PositionRepository(db)
    existing = await positions.by_codes([r.code for r in rows])
    report = ImportReport()
    for row in rows:
        position = existing.get(row.code)
        if position is None:
            position = Position(code=row.code, name=row.name, group=row.group)
            db.add(position)
            existing[row.code] = position
            report.positions_created.append(row.code)
        else:
            position.name, position.group = row.name, row.group
            report.positions_updated.append(row.code)
    await db.flush()
    report.required_levels = await StandardRepository(db).replace(
        {existing[r.code].id: r.levels for r in rows}
    )
    await audit.record(
        db,
        actor,
        "standards.import",
        target_type="position",
        target_id=source[:100],
        details=report.model_dump(),
    )
    return report


def _unknown(source: str, code: str) -> Problem:
    message_id, message_en = MESSAGES["unknown_competency"]
    return Problem(
        file=source,
        code="unknown_competency",
        message_id=message_id.format(value=code),
        message_en=message_en.format(value=code),
    )


async def import_standards_file(db: AsyncSession, path: Path, actor: Actor) -> ImportReport:
    """What ``cact standards import FILE`` runs; StandardsRejected carries every problem."""
    data = await anyio.Path(path).read_bytes()
    rows = await parse_file(db, path.name, data)
    return await import_standards(db, rows, actor, source=path.name)


async def load_demo_standards(db: AsyncSession, actor: Actor) -> ImportReport:
    """The demo positions' standards (cact/demo/standards.csv); needs T.ADM.01, so run it after
    the demo bank is loaded."""
    return await import_standards_file(db, DEMO_STANDARDS, actor)


async def list_positions(
    db: AsyncSession, *, limit: int, offset: int
) -> tuple[list[Position], int]:
    repository = PositionRepository(db)
    statement = repository.ordered()
    total = await repository.count(statement)
    return list(await repository.all(statement.limit(limit).offset(offset))), total


async def get_position(db: AsyncSession, position_id: int) -> PositionDetail:
    position = await PositionRepository(db).get(position_id)
    if position is None:
        raise PositionNotFound()
    standard = await StandardRepository(db).with_competencies(position.id)
    return PositionDetail(
        id=position.id,
        code=position.code,
        name=position.name,
        group=position.group,
        created_at=position.created_at,
        standard=[
            RequiredLevel(
                competency=c.code,
                name_id=c.name_id,
                name_en=c.name_en,
                kind=c.kind,
                required_level=s.required_level,
            )
            for s, c in standard
        ],
    )
