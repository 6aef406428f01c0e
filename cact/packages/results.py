"""Applying a results package on the office server: the room's attempts, answers, answer log,
results and audit rows merged into the office's tables, all or nothing, in the caller's
transaction. Rows are matched by the ids every server shares (cact/packages/results_export.py);
office rows keep their own numbers, nothing is renumbered.

Order does not matter: a merged attempt remembers the version of the package that wrote it, so
a later package supersedes an earlier one's rows and an earlier one after a later one changes
nothing; the answer log and the audit rows are only ever appended (a row already here by its
global id is skipped), and each package holds every row the earlier ones held.

Only the room the sitting's wave was sent to may send its results; an attempt already merged
from another server (or made on this one) is a conflict: the whole package is refused, nothing
is merged, and the refusal is kept in ``package_refusal`` (outside the rolled-back
transaction) for the admin to see."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from cact.audit.models import AuditEvent
from cact.audit.service import Actor
from cact.bank.models import ItemVersion
from cact.blueprints.models import BlueprintSection
from cact.exam.models import (
    AnswerLog,
    Attempt,
    AttemptItem,
    AttemptSection,
    Enrollment,
    Response,
    Sitting,
)
from cact.keys.identity import grouped
from cact.kit.errors import Conflict
from cact.packages import results_export as fields
from cact.packages.envelope import Header
from cact.packages.models import ResultsSource
from cact.packages.records import assign, values_of
from cact.packages.repository import ReceiptRepository, RefusalRepository, wave_recipients
from cact.participants.models import Participant
from cact.scoring.models import Result, ResultCompetency, ScoringPolicy


class ResultsRefused(Conflict):
    code = "results_refused"
    message = (
        "Paket hasil ditolak; tidak ada yang digabungkan. / "
        "The results package was refused; nothing was merged."
    )


def _refused(indonesian: str, english: str) -> ResultsRefused:
    first, second = ResultsRefused.message.split(" / ")
    return ResultsRefused(f"{first} {indonesian} / {second} {english}")


class _Refusal(Exception):
    """One reason, with the attempt it is about (if any), before it becomes the error."""

    def __init__(
        self,
        indonesian: str,
        english: str,
        attempt: uuid.UUID | None = None,
        participant_no: str | None = None,
    ) -> None:
        super().__init__(english)
        self.indonesian, self.english = indonesian, english
        self.attempt, self.participant_no = attempt, participant_no


class _Merge:
    def __init__(self, session: AsyncSession, header: Header, records: dict[str, Any]) -> None:
        self.session = session
        self.header = header
        self.records = records
        self.counts: Counter[str] = Counter()

    def count(self, what: str, outcome: str, n: int = 1) -> None:
        if n:
            self.counts[f"{outcome}.{what}"] += n

    async def sitting(self) -> Sitting:
        sitting = await self.session.scalar(
            select(Sitting)
            .where(Sitting.external_id == self.header.sitting_external_id)
            .with_for_update()
        )
        if sitting is None:
            raise _Refusal(
                f"Sesi {self.header.sitting_external_id} tidak ada di server ini.",
                f"The sitting {self.header.sitting_external_id} is not on this server.",
            )
        return sitting

    async def check_sender(self, sitting: Sitting) -> None:
        sender = self.header.sender
        recipients = await wave_recipients(self.session, sitting.id)
        if recipients and sender not in recipients:
            sent_to = ", ".join(grouped(r) for r in sorted(recipients))
            raise _Refusal(
                f"Gelombang sesi {sitting.code} dikirim ke {sent_to}, bukan ke {grouped(sender)}.",
                f"The wave of sitting {sitting.code} was sent to {sent_to}, not to "
                f"{grouped(sender)}.",
            )
        if recipients:
            return
        first = await self.session.scalar(
            select(ResultsSource)
            .where(ResultsSource.sitting_external_id == sitting.external_id)
            .order_by(ResultsSource.received_at)
            .limit(1)
        )
        if first is not None and first.sender != sender:
            raise _Refusal(
                f"Hasil sesi {sitting.code} datang dari {grouped(first.sender)}, "
                f"bukan dari {grouped(sender)}.",
                f"The results of sitting {sitting.code} come from {grouped(first.sender)}, "
                f"not from {grouped(sender)}.",
            )

    async def plan(self, sitting: Sitting) -> tuple[list[tuple[dict[str, Any], Any, Any]], int]:
        """(record, enrollment, existing attempt) for the attempts to write; the skipped count.
        Every conflict is found here, before anything is written."""
        sender, version = self.header.sender, self.header.version
        numbers = [r["participant_no"] for r in self.records["attempts"]]
        enrollments = {
            no: enrollment
            for enrollment, no in (
                await self.session.execute(
                    select(Enrollment, Participant.participant_no)
                    .join(Participant, Participant.id == Enrollment.participant_id)
                    .where(Enrollment.sitting_id == sitting.id)
                )
            ).all()
        }
        ids = [uuid.UUID(r["external_id"]) for r in self.records["attempts"]]
        by_global = {
            a.external_id: a
            for a in await self.session.scalars(
                select(Attempt).where(Attempt.external_id.in_(ids)).with_for_update()
            )
        }
        by_enrollment = {
            a.enrollment_id: a
            for a in await self.session.scalars(
                select(Attempt).where(Attempt.sitting_id == sitting.id).with_for_update()
            )
        }
        plan, skipped = [], 0
        for record, attempt_id, no in zip(self.records["attempts"], ids, numbers, strict=True):
            enrollment = enrollments.get(no)
            if enrollment is None:
                raise _Refusal(
                    f"Peserta {no} tidak ada dalam daftar sesi {sitting.code} di server ini.",
                    f"Participant {no} is not on sitting {sitting.code}'s roster on this server.",
                    attempt_id,
                    no,
                )
            existing = by_global.get(attempt_id) or by_enrollment.get(enrollment.id)
            if existing is not None and (
                existing.external_id != attempt_id
                or existing.origin_server != sender
                or existing.enrollment_id != enrollment.id
            ):
                origin = (
                    f"server {grouped(existing.origin_server)}"
                    if existing.origin_server
                    else "server ini / this server"
                )
                raise _Refusal(
                    f"Hasil peserta {no} (attempt {attempt_id}) sudah diterima dari {origin}; "
                    f"hasil yang bertentangan dari {grouped(sender)} tidak digabungkan.",
                    f"Participant {no}'s results (attempt {attempt_id}) were already received "
                    f"from {origin}; the conflicting results from {grouped(sender)} are not "
                    "merged.",
                    attempt_id,
                    no,
                )
            if existing is not None and (existing.origin_version or 0) >= version:
                skipped += 1
                continue
            plan.append((record, enrollment, existing))
        return plan, skipped

    async def item_versions(self) -> dict[tuple[str, int], tuple[int, dict[int, int]]]:
        """(item id, version) → (item_version id, option position → item_option id)."""
        keys = {
            (item["item_id"], item["item_version"])
            for attempt in self.records["attempts"]
            for item in attempt["items"]
        }
        ids = {item_id for item_id, _ in keys}
        found = {
            (v.item_id, v.version): (v.id, {o.position: o.id for o in v.options})
            for v in await self.session.scalars(
                select(ItemVersion)
                .options(selectinload(ItemVersion.options))
                .where(ItemVersion.item_id.in_(ids))
            )
            if (v.item_id, v.version) in keys
        }
        missing = sorted(keys - set(found))
        if missing:
            named = ", ".join(f"{i} v{v}" for i, v in missing[:5])
            raise _Refusal(
                f"Butir yang tidak ada di server ini: {named}.",
                f"Items this server does not have: {named}.",
            )
        return found

    async def blueprint_sections(self, sitting: Sitting) -> dict[int, int]:
        sections = {
            s.position: s.id
            for s in await self.session.scalars(
                select(BlueprintSection).where(
                    BlueprintSection.blueprint_id == sitting.blueprint_id
                )
            )
        }
        wanted = {s["blueprint_section"] for a in self.records["attempts"] for s in a["sections"]}
        if not wanted <= set(sections):
            raise _Refusal(
                f"Bagian kisi-kisi sesi {sitting.code} tidak cocok.",
                f"The blueprint sections of sitting {sitting.code} do not match.",
            )
        return sections

    async def policies(self) -> dict[tuple[str, int], int]:
        wanted = {
            (r["policy"]["code"], r["policy"]["version"]): r["policy"]["body"]
            for a in self.records["attempts"]
            for r in a["results"]
        }
        found: dict[tuple[str, int], int] = {}
        for (code, version), body in wanted.items():
            row = await self.session.scalar(
                select(ScoringPolicy).where(
                    ScoringPolicy.code == code, ScoringPolicy.version == version
                )
            )
            if row is None:
                row = ScoringPolicy(code=code, version=version, body=body)
                self.session.add(row)
                await self.session.flush()
                self.count("scoring_policy", "created")
            found[(code, version)] = row.id
        return found

    async def attempt(
        self,
        sitting: Sitting,
        record: dict[str, Any],
        enrollment: Enrollment,
        existing: Attempt | None,
        versions: dict[tuple[str, int], tuple[int, dict[int, int]]],
        sections: dict[int, int],
        policies: dict[tuple[str, int], int],
    ) -> None:
        values = values_of(Attempt, record, fields.ATTEMPT_FIELDS)
        values.update(
            external_id=uuid.UUID(record["external_id"]),
            enrollment_id=enrollment.id,
            sitting_id=sitting.id,
            participant_id=enrollment.participant_id,
            origin_server=self.header.sender,
            origin_version=self.header.version,
            kiosk_session_hash=None,  # the room's kiosk session means nothing here
        )
        if existing is None:
            attempt = Attempt(**values)
            self.session.add(attempt)
            self.count("attempt", "created")
        else:
            attempt = existing
            assign(attempt, values)
            self.count("attempt", "updated")
        await self.session.flush()
        section_ids = await self._sections(attempt, record["sections"], sections)
        item_ids, options = await self._items(attempt, record["items"], section_ids, versions)
        await self._responses(attempt, record["responses"], item_ids, options)
        await self._log(attempt, record["answer_log"], item_ids, options)
        await self._results(attempt, record["results"], policies)

    async def fresh(
        self,
        sitting: Sitting,
        plan: list[tuple[dict[str, Any], Enrollment]],
        versions: dict[tuple[str, int], tuple[int, dict[int, int]]],
        blueprint: dict[int, int],
        policies: dict[tuple[str, int], int],
    ) -> None:
        """Attempts new to this server, all at once: one multi-row statement per table (the
        first package of a 900-participant sitting is 26,000 items, answers and log rows)."""
        if not plan:
            return
        attempt_rows = []
        for record, enrollment in plan:
            values = values_of(Attempt, record, fields.ATTEMPT_FIELDS)
            values.update(
                external_id=uuid.UUID(record["external_id"]),
                enrollment_id=enrollment.id,
                sitting_id=sitting.id,
                participant_id=enrollment.participant_id,
                origin_server=self.header.sender,
                origin_version=self.header.version,
            )
            attempt_rows.append(values)
        ids: dict[uuid.UUID, int] = {
            external_id: attempt_id
            for external_id, attempt_id in await self._returning(
                Attempt, attempt_rows, Attempt.external_id, Attempt.id
            )
        }
        self.count("attempt", "created", len(plan))
        attempts = [(record, ids[uuid.UUID(record["external_id"])]) for record, _ in plan]
        section_rows = [
            {
                **values_of(AttemptSection, s, fields.SECTION_FIELDS),
                "attempt_id": attempt_id,
                "blueprint_section_id": blueprint[s["blueprint_section"]],
            }
            for record, attempt_id in attempts
            for s in record["sections"]
        ]
        section_ids = {
            (a, position): i
            for a, position, i in await self._returning(
                AttemptSection,
                section_rows,
                AttemptSection.attempt_id,
                AttemptSection.position,
                AttemptSection.id,
            )
        }
        self.count("section", "created", len(section_rows))
        item_rows = []
        for record, attempt_id in attempts:
            for item in record["items"]:
                version_id, positions = versions[(item["item_id"], item["item_version"])]
                item_rows.append(
                    {
                        "attempt_id": attempt_id,
                        "attempt_section_id": section_ids[(attempt_id, item["section"])],
                        "item_version_id": version_id,
                        "number": item["number"],
                        "option_order": [positions[p] for p in item["option_order"]],
                    }
                )
        item_ids = {
            (a, number): i
            for a, number, i in await self._returning(
                AttemptItem, item_rows, AttemptItem.attempt_id, AttemptItem.number, AttemptItem.id
            )
        }
        self.count("item", "created", len(item_rows))
        options = {
            (attempt_id, item["number"]): versions[(item["item_id"], item["item_version"])][1]
            for record, attempt_id in attempts
            for item in record["items"]
        }

        def option(attempt_id: int, number: int, position: int | None) -> int | None:
            return None if position is None else options[(attempt_id, number)][position]

        responses = [
            {
                **values_of(Response, r, fields.RESPONSE_FIELDS),
                "attempt_item_id": item_ids[(attempt_id, r["number"])],
                "attempt_id": attempt_id,
                "option_id": option(attempt_id, r["number"], r["option"]),
            }
            for record, attempt_id in attempts
            for r in record["responses"]
        ]
        log = [
            {
                **values_of(AnswerLog, r, fields.LOG_FIELDS),
                "attempt_id": attempt_id,
                "attempt_item_id": item_ids[(attempt_id, r["number"])],
                "option_id": option(attempt_id, r["number"], r["option"]),
            }
            for record, attempt_id in attempts
            for r in record["answer_log"]  # in the room's order: the office's ids keep it
        ]
        for model, rows in ((Response, responses), (AnswerLog, log)):
            if rows:
                await self.session.execute(insert(model), rows)
        self.count("response", "created", len(responses))
        self.count("answer_log", "appended", len(log))
        result_rows, competencies = [], {}
        for record, attempt_id in attempts:
            for result in record["results"]:
                policy = (result["policy"]["code"], result["policy"]["version"])
                result_rows.append(
                    {
                        **values_of(Result, result, fields.RESULT_FIELDS),
                        "attempt_id": attempt_id,
                        "policy_id": policies[policy],
                    }
                )
                competencies[(attempt_id, result["version"])] = result["competencies"]
        result_ids = await self._returning(
            Result, result_rows, Result.attempt_id, Result.version, Result.id
        )
        competency_rows = [
            {**values_of(ResultCompetency, c, fields.COMPETENCY_FIELDS), "result_id": i}
            for a, version, i in result_ids
            for c in competencies[(a, version)]
        ]
        if competency_rows:
            await self.session.execute(insert(ResultCompetency), competency_rows)
        self.count("result", "created", len(result_rows))

    async def _returning(
        self, model: type[Any], rows: list[dict[str, Any]], *columns: Any
    ) -> list[tuple[Any, ...]]:
        if not rows:
            return []
        found = await self.session.execute(insert(model).returning(*columns), rows)
        return [tuple(row) for row in found]

    async def _sections(
        self, attempt: Attempt, records: list[dict[str, Any]], blueprint: dict[int, int]
    ) -> dict[int, int]:
        rows = {
            s.position: s
            for s in await self.session.scalars(
                select(AttemptSection).where(AttemptSection.attempt_id == attempt.id)
            )
        }
        for record in records:
            values = values_of(AttemptSection, record, fields.SECTION_FIELDS)
            values.update(
                attempt_id=attempt.id, blueprint_section_id=blueprint[record["blueprint_section"]]
            )
            row = rows.get(record["position"])
            if row is None:
                rows[record["position"]] = AttemptSection(**values)
                self.session.add(rows[record["position"]])
                self.count("section", "created")
            else:
                self.count("section", "updated" if assign(row, values) else "unchanged")
        await self.session.flush()
        return {position: s.id for position, s in rows.items()}

    async def _items(
        self,
        attempt: Attempt,
        records: list[dict[str, Any]],
        sections: dict[int, int],
        versions: dict[tuple[str, int], tuple[int, dict[int, int]]],
    ) -> tuple[dict[int, int], dict[int, dict[int, int]]]:
        rows = {
            i.number: i
            for i in await self.session.scalars(
                select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
            )
        }
        options: dict[int, dict[int, int]] = {}
        for record in records:
            version_id, positions = versions[(record["item_id"], record["item_version"])]
            options[record["number"]] = positions
            values = {
                "attempt_id": attempt.id,
                "attempt_section_id": sections[record["section"]],
                "item_version_id": version_id,
                "number": record["number"],
                "option_order": [positions[p] for p in record["option_order"]],
            }
            row = rows.get(record["number"])
            if row is None:
                rows[record["number"]] = AttemptItem(**values)
                self.session.add(rows[record["number"]])
                self.count("item", "created")
            else:
                self.count("item", "updated" if assign(row, values) else "unchanged")
        await self.session.flush()
        return {number: i.id for number, i in rows.items()}, options

    async def _responses(
        self,
        attempt: Attempt,
        records: list[dict[str, Any]],
        items: dict[int, int],
        options: dict[int, dict[int, int]],
    ) -> None:
        rows = {
            r.attempt_item_id: r
            for r in await self.session.scalars(
                select(Response).where(Response.attempt_id == attempt.id)
            )
        }
        for record in records:
            number = record["number"]
            values = values_of(Response, record, fields.RESPONSE_FIELDS)
            values.update(
                attempt_item_id=items[number],
                attempt_id=attempt.id,
                option_id=None if record["option"] is None else options[number][record["option"]],
            )
            row = rows.get(items[number])
            if row is None:
                self.session.add(Response(**values))
                self.count("response", "created")
            else:
                self.count("response", "updated" if assign(row, values) else "unchanged")
        await self.session.flush()

    async def _log(
        self,
        attempt: Attempt,
        records: list[dict[str, Any]],
        items: dict[int, int],
        options: dict[int, dict[int, int]],
    ) -> None:
        """Append the rows not here yet, in the room's order; a row here is never changed. A row
        is known by its item and seq: the save logs an item's change only with a higher seq than
        the item's last, so no two rows of an attempt share both."""
        rows = await self.session.execute(
            select(AnswerLog.attempt_item_id, AnswerLog.seq).where(
                AnswerLog.attempt_id == attempt.id
            )
        )
        present = {(item, seq) for item, seq in rows}
        for record in records:
            number = record["number"]
            key = (items[number], record["seq"])
            if key in present:
                self.count("answer_log", "unchanged")
                continue
            present.add(key)
            values = values_of(AnswerLog, record, fields.LOG_FIELDS)
            values.update(
                attempt_id=attempt.id,
                attempt_item_id=items[number],
                option_id=None if record["option"] is None else options[number][record["option"]],
            )
            self.session.add(AnswerLog(**values))
            self.count("answer_log", "appended")
        await self.session.flush()

    async def _results(
        self, attempt: Attempt, records: list[dict[str, Any]], policies: dict[tuple[str, int], int]
    ) -> None:
        rows = {
            r.version: r
            for r in await self.session.scalars(
                select(Result).where(Result.attempt_id == attempt.id)
            )
        }
        was_current = {r.version for r in rows.values() if r.is_current}
        for row in rows.values():  # one current result at a time: clear, then set the package's
            row.is_current = False
        await self.session.flush()
        for record in records:
            values = values_of(Result, record, fields.RESULT_FIELDS)
            values.update(
                attempt_id=attempt.id,
                policy_id=policies[(record["policy"]["code"], record["policy"]["version"])],
            )
            competencies = [
                values_of(ResultCompetency, c, fields.COMPETENCY_FIELDS)
                for c in record["competencies"]
            ]
            found = rows.get(record["version"])
            if found is None:
                row = Result(**values)
                self.session.add(row)
                await self.session.flush()
                outcome = "created"
            else:
                row = found
                current = values.pop("is_current")
                changed = assign(row, values) or (row.version in was_current) != current
                row.is_current = current
                outcome = "updated" if changed else "unchanged"
            existing = {
                c.competency_code: c
                for c in await self.session.scalars(
                    select(ResultCompetency).where(ResultCompetency.result_id == row.id)
                )
            }
            wanted = {c["competency_code"] for c in competencies}
            for code, gone in existing.items():
                if code not in wanted:
                    await self.session.delete(gone)
                    outcome = "updated"
            for values in competencies:
                competency = existing.get(values["competency_code"])
                if competency is None:
                    self.session.add(ResultCompetency(result_id=row.id, **values))
                    outcome = "updated" if outcome == "unchanged" else outcome
                elif assign(competency, values):
                    outcome = "updated" if outcome == "unchanged" else outcome
            self.count("result", outcome)
            await self.session.flush()

    async def audit(self, sitting: Sitting) -> None:
        records = self.records["audit"]
        ids = [uuid.UUID(r["external_id"]) for r in records]
        present = set(
            await self.session.scalars(
                select(AuditEvent.external_id).where(AuditEvent.external_id.in_(ids))
            )
        )
        attempts = {
            str(a.external_id): a.id
            for a in await self.session.scalars(
                select(Attempt).where(Attempt.sitting_id == sitting.id)
            )
        }
        for record, external_id in zip(records, ids, strict=True):
            if external_id in present:
                self.count("audit_event", "unchanged")
                continue
            values = values_of(AuditEvent, record, fields.AUDIT_FIELDS)
            target = record["target_attempt"]
            values.update(
                external_id=external_id,
                sitting_id=sitting.id,
                actor_id=None,  # the room's staff numbering means nothing here
                target_id=str(attempts[target]) if target in attempts else record["target_id"],
            )
            self.session.add(AuditEvent(**values))
            self.count("audit_event", "appended")
        await self.session.flush()

    async def sitting_state(self, sitting: Sitting, newest: bool) -> None:
        """The sitting's status and the attendance, from the newest package only."""
        if not newest:
            self.count("sitting", "unchanged")
            return
        values = values_of(Sitting, self.records["sitting"], fields.SITTING_STATE_FIELDS)
        self.count("sitting", "updated" if assign(sitting, values) else "unchanged")
        attendance = {r["participant_no"]: r["attendance"] for r in self.records["roster"]}
        for enrollment, no in (
            await self.session.execute(
                select(Enrollment, Participant.participant_no)
                .join(Participant, Participant.id == Enrollment.participant_id)
                .where(Enrollment.sitting_id == sitting.id)
            )
        ).all():
            if no in attendance and enrollment.attendance != attendance[no]:
                enrollment.attendance = attendance[no]
                self.count("enrollment", "updated")
        await self.session.flush()

    async def source(self, sitting: Sitting) -> None:
        found = await self.session.get(ResultsSource, (sitting.external_id, self.header.sender))
        if found is None:
            self.session.add(
                ResultsSource(
                    sitting_external_id=sitting.external_id,
                    sender=self.header.sender,
                    first_package_id=self.header.package_id,
                )
            )
            await self.session.flush()


async def apply_results(
    session: AsyncSession, header: Header, records: dict[str, Any], actor: Actor, dry_run: bool
) -> dict[str, int]:
    work = _Merge(session, header, records)
    try:
        sitting = await work.sitting()
        await work.check_sender(sitting)
        plan, skipped = await work.plan(sitting)
        versions = await work.item_versions()
        sections = await work.blueprint_sections(sitting)
    except _Refusal as refusal:
        if not dry_run:
            await RefusalRepository.remember(
                session,
                package_id=header.package_id,
                kind=header.kind,
                sender=header.sender,
                sitting_external_id=header.sitting_external_id,
                attempt_external_id=refusal.attempt,
                participant_no=refusal.participant_no,
                reason=f"{refusal.indonesian} / {refusal.english}",
            )
        raise _refused(refusal.indonesian, refusal.english) from None
    latest = await ReceiptRepository(session).latest_version("results", header.sitting_external_id)
    work.count("attempt", "unchanged", skipped)
    policies = await work.policies()
    await work.fresh(
        sitting, [(r, e) for r, e, x in plan if x is None], versions, sections, policies
    )
    for record, enrollment, existing in plan:
        if existing is not None:
            await work.attempt(sitting, record, enrollment, existing, versions, sections, policies)
    await work.audit(sitting)
    await work.sitting_state(sitting, latest is None or header.version > latest)
    await work.source(sitting)
    return dict(sorted(work.counts.items()))
