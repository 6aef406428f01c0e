"""Performance ratings for the nine-box, imported from CSV/XLSX: all or nothing, every problem
with its row and column. Current results of the rated participants get a new version with the
nine-box re-computed (nothing else changes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.kit.errors import InvalidInput
from cact.participants.models import Participant
from cact.participants.ratings import parse_rating
from cact.scoring import engine
from cact.scoring.models import Result
from cact.scoring.policy import PolicyBody
from cact.scoring.repository import PerformanceRepository, PolicyRepository, ScoringRepository
from cact.standards.sheets import Column, Problems, Table, cell, check_header, read_table
from item_bank.problems import Problem
from item_bank.values import cell_text

__all__ = ["PerformanceRejected", "import_performance", "parse_rating", "rescore_nine_box"]

NUMBER = Column("participant_no", "nomor_peserta", ("no_peserta", "nomor", "participant"))
NIP = Column("nip", "nip", ("nip_peserta",))
RATING = Column(
    "rating",
    "kinerja",
    ("predikat_kinerja", "hasil_kinerja", "penilaian_kinerja", "performance", "performance_rating"),
)

MESSAGES: dict[str, tuple[str, str]] = {
    "missing_participant_column": (
        'Kolom "nomor_peserta" atau "nip" harus ada.',
        'A "participant_no" or "nip" column is required.',
    ),
    "missing_participant": (
        "Nomor peserta dan NIP kosong.",
        "The participant number and the NIP are both empty.",
    ),
    "unknown_participant": (
        'Peserta "{value}" tidak ada di daftar peserta.',
        'The participant "{value}" is not on any roster.',
    ),
    "participant_mismatch": (
        'Nomor peserta "{number}" dan NIP "{nip}" bukan orang yang sama.',
        'The participant number "{number}" and the NIP "{nip}" are not the same person.',
    ),
    "duplicate_participant": (
        'Peserta "{value}" sudah ada di baris {first}.',
        'The participant "{value}" already appears on row {first}.',
    ),
    "invalid_rating": (
        'Predikat kinerja "{value}" tidak dikenal: gunakan "di bawah ekspektasi", '
        '"sesuai ekspektasi" atau "di atas ekspektasi".',
        'Unknown performance rating "{value}": use "below", "meets" or "above" (expectations).',
    ),
}


class PerformanceRejected(InvalidInput):
    code = "invalid_performance_file"
    message = (
        "Berkas kinerja tidak valid; tidak ada yang disimpan. / "
        "Invalid performance file; nothing saved."
    )

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__([p.model_dump(exclude_none=True) for p in self.problems])


@dataclass(frozen=True)
class RatingRow:
    row: int
    number: str | None
    nip: str | None
    rating: str


@dataclass
class _Parsed:
    rows: list[RatingRow] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    table: Table | None = None


def _parse(filename: str, data: bytes, problems: Problems) -> _Parsed:
    parsed = _Parsed(table=read_table(filename, data, problems))
    table = parsed.table
    if table is None:
        return parsed
    columns = check_header(table, problems, (RATING,), (NUMBER, NIP))
    if columns is not None and NUMBER.name not in columns and NIP.name not in columns:
        problems.add("missing_participant_column", sheet=table.sheet, row=table.header_row)
        columns = None
    if columns is None:
        return parsed
    parsed.columns = columns
    for number, cells in table.rows:
        at: dict[str, Any] = {"sheet": table.sheet, "row": number}
        who = cell_text(cell(cells, columns.get(NUMBER.name)))
        nip = cell_text(cell(cells, columns.get(NIP.name)))
        raw = cell(cells, columns[RATING.name])
        rating = parse_rating(raw)
        if who is None and nip is None:
            problems.add("missing_participant", **at)
        if rating is None:
            column = columns[RATING.name]
            problems.add(
                "invalid_rating",
                column=column,
                header=table.header[column],
                value=cell_text(raw) or "",
                **at,
            )
        elif who is not None or nip is not None:
            parsed.rows.append(RatingRow(number, who, nip, rating))
    return parsed


def _resolve(
    parsed: _Parsed,
    problems: Problems,
    by_number: dict[str, Participant],
    by_nip: dict[str, Participant],
) -> dict[int, str]:
    """participant id → rating, reporting unknown, mismatched and repeated participants."""
    assert parsed.table is not None
    table, columns = parsed.table, parsed.columns
    ratings: dict[int, str] = {}
    first: dict[int, int] = {}
    for row in parsed.rows:
        key = NUMBER.name if row.number is not None else NIP.name
        at: dict[str, Any] = {
            "sheet": table.sheet,
            "row": row.row,
            "column": columns[key],
            "header": table.header[columns[key]],
        }
        one = by_number.get(row.number) if row.number is not None else None
        other = by_nip.get(row.nip) if row.nip is not None else None
        if row.number is not None and one is None:
            problems.add("unknown_participant", value=row.number, **at)
            continue
        if row.nip is not None and other is None:
            at.update(column=columns[NIP.name], header=table.header[columns[NIP.name]])
            problems.add("unknown_participant", value=row.nip, **at)
            continue
        if one is not None and other is not None and one.id != other.id:
            problems.add("participant_mismatch", number=row.number, nip=row.nip, **at)
            continue
        person = one or other
        assert person is not None
        if person.id in first:
            shown = row.number or row.nip
            problems.add("duplicate_participant", value=shown, first=first[person.id], **at)
            continue
        first[person.id] = row.row
        ratings[person.id] = row.rating
    return ratings


async def import_performance(
    db: AsyncSession, filename: str, data: bytes, actor: Actor
) -> tuple[int, list[Result]]:
    """Store every rating of the file or none; returns (participants updated, new results)."""
    problems = Problems(filename, MESSAGES)
    parsed = _parse(filename, data, problems)
    repository = PerformanceRepository(db)
    by_number, by_nip = await repository.participants(
        [r.number for r in parsed.rows if r.number], [r.nip for r in parsed.rows if r.nip]
    )
    ratings = _resolve(parsed, problems, by_number, by_nip) if parsed.table else {}
    if problems.found:
        by_row = sorted(problems.found, key=lambda p: (p.row or 0, p.column or ""))
        raise PerformanceRejected(by_row)
    people = {p.id: p for p in (*by_number.values(), *by_nip.values())}
    for participant_id, rating in ratings.items():
        people[participant_id].performance_rating = rating
    await db.flush()
    await audit.record(
        db,
        actor,
        "participant.performance_import",
        target_type="participant",
        target_id=filename[:100],
        details={"participants": len(ratings)},
    )
    rescored = await rescore_nine_box(db, list(ratings), actor, reason="performance rating")
    return len(ratings), rescored


async def rescore_nine_box(
    db: AsyncSession, participant_ids: Collection[int], actor: Actor, *, reason: str
) -> list[Result]:
    """A new version of each current result whose nine-box the participant's rating changes;
    JPM, category and competencies are copied as they are."""
    scoring = ScoringRepository(db)
    current = await scoring.current_of_participants(participant_ids)
    bodies = {
        p.id: PolicyBody.model_validate(p.body)
        for p in (await PolicyRepository(db).by_ids({r.policy_id for r, _, _ in current})).values()
    }
    changed = []
    for result, sitting_id, rating in current:
        box = engine.nine_box_cell(result.jpm, rating, bodies[result.policy_id].nine_box)
        if box != result.nine_box or result.details.get("performance_rating") != rating:
            changed.append((result, sitting_id, rating, box))
    for result, *_ in changed:
        result.is_current = False
    await db.flush()  # the old versions stop being current before the new ones exist
    fresh = [
        Result(
            attempt_id=old.attempt_id,
            version=old.version + 1,
            is_current=True,
            policy_id=old.policy_id,
            jpm=old.jpm,
            category=old.category,
            combined_score=old.combined_score,
            nine_box=box,
            reason=reason,
            details={**old.details, "performance_rating": rating},
        )
        for old, _, rating, box in changed
    ]
    db.add_all(fresh)
    await db.flush()
    pairs = [(old.id, new.id) for (old, *_), new in zip(changed, fresh, strict=True)]
    await scoring.copy_competencies(pairs)
    by_sitting: dict[int, list[int]] = defaultdict(list)
    for old, sitting_id, *_ in changed:
        by_sitting[sitting_id].append(old.attempt_id)
    for sitting_id, attempt_ids in sorted(by_sitting.items()):
        await audit.record(
            db,
            actor,
            "result.nine_box",
            target_type="sitting",
            target_id=sitting_id,
            sitting_id=sitting_id,
            reason=reason,
            details={"attempts": attempt_ids},
        )
    return fresh
