"""Blueprints: stored from the validated file model, checked against the bank, previewed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.service import Actor
from cact.bank.models import ItemVersion, Media
from cact.bank.presenters import kiosk_item
from cact.bank.repository import ItemRepository, ItemVersionRepository, MediaRepository
from cact.blueprints import forms
from cact.blueprints.models import Blueprint, BlueprintSection
from cact.blueprints.repository import BlueprintRepository
from cact.kit.errors import Conflict, NotFound
from item_bank import models as bank_file


class BlueprintNotFound(NotFound):
    code = "blueprint_not_found"
    message = "Kisi-kisi tidak ditemukan. / Blueprint not found."


class BlueprintInUse(Conflict):
    code = "blueprint_in_use"
    message = (
        "Kisi-kisi sudah dipakai sesi ujian; buat dengan kode baru. / "
        "The blueprint is used by a sitting; create it under a new code."
    )


class BlueprintUnsatisfiable(Conflict):
    code = "blueprint_unsatisfiable"
    message = "Bank soal tidak cukup untuk kisi-kisi ini. / The bank cannot fill this blueprint."


def _sections(design: bank_file.Blueprint) -> list[BlueprintSection]:
    return [
        BlueprintSection(
            position=position,
            title=section.title,
            time_limit_seconds=section.time_limit_minutes * 60,
            shuffle_items=section.shuffle_items,
            shuffle_options=section.shuffle_options,
            rules=[rule.model_dump(exclude_none=True) for rule in section.rules] or None,
            item_ids=list(section.items) or None,
            break_after_seconds=section.break_after_seconds,
        )
        for position, section in enumerate(design.sections, start=1)
    ]


async def save(db: AsyncSession, design: bank_file.Blueprint, actor: Actor) -> Blueprint:
    """Create the blueprint, or replace it while no sitting uses it."""
    repository = BlueprintRepository(db)
    blueprint = await repository.by_code(design.code)
    if blueprint is None:
        blueprint = Blueprint(
            code=design.code, title=design.title, break_seconds=design.break_seconds, sections=[]
        )
        db.add(blueprint)
    elif await repository.in_use(blueprint.id):
        raise BlueprintInUse()
    blueprint.title = design.title
    blueprint.break_seconds = design.break_seconds
    blueprint.sections = _sections(design)
    await db.flush()
    await audit.record(
        db,
        actor,
        "blueprint.save",
        target_type="blueprint",
        target_id=blueprint.id,
        details={"code": blueprint.code},
    )
    return blueprint


async def get(db: AsyncSession, blueprint_id: int) -> Blueprint:
    blueprint = await BlueprintRepository(db).with_sections(blueprint_id)
    if blueprint is None:
        raise BlueprintNotFound()
    return blueprint


async def listing(db: AsyncSession) -> list[Blueprint]:
    return await BlueprintRepository(db).listing()


def breaks_before(blueprint: Blueprint) -> list[int]:
    """Seconds of break before each section: none before the first; before the others the
    previous section's ``break_after_seconds``, else the blueprint's ``break_seconds``."""
    found = [0]
    for previous in blueprint.sections[:-1]:
        chosen = previous.break_after_seconds
        found.append(blueprint.break_seconds if chosen is None else chosen)
    return found


def design_of(blueprint: Blueprint) -> list[forms.SectionDesign]:
    return [
        forms.SectionDesign(
            title=s.title,
            rules=[forms.Rule(r["competency"], r["count"], r.get("level")) for r in s.rules or []],
            item_ids=list(s.item_ids or []),
            shuffle_items=s.shuffle_items,
            shuffle_options=s.shuffle_options,
        )
        for s in blueprint.sections
    ]


def candidates(versions: list[ItemVersion], competency_of: dict[str, str]) -> list[forms.Candidate]:
    return [
        forms.Candidate(
            item_id=v.item_id,
            version_id=v.id,
            competency=competency_of[v.item_id],
            level=v.level,
            option_ids=tuple(o.id for o in v.options),
        )
        for v in versions
    ]


async def pool(db: AsyncSession) -> tuple[list[forms.Candidate], dict[int, ItemVersion]]:
    """The active bank: candidates for the form generator, and the versions by id."""
    versions = await ItemVersionRepository(db).active_current()
    items = await ItemRepository(db).by_ids([v.item_id for v in versions])
    competency_of = {item_id: item.competency_code for item_id, item in items.items()}
    return candidates(versions, competency_of), {v.id: v for v in versions}


async def check(db: AsyncSession, blueprint_id: int) -> tuple[int, list[forms.Shortfall]]:
    blueprint = await get(db, blueprint_id)
    design = design_of(blueprint)
    found, _ = await pool(db)
    wanted = sum(len(s.item_ids) + sum(r.count for r in s.rules) for s in design)
    return wanted, forms.shortfalls(design, found)


async def generate_form(
    db: AsyncSession, blueprint: Blueprint, seed: int
) -> tuple[list[forms.FormSection], dict[int, ItemVersion]]:
    design = design_of(blueprint)
    found, versions = await pool(db)
    missing = forms.shortfalls(design, found)
    if missing:
        raise BlueprintUnsatisfiable([asdict(s) for s in missing])
    return forms.generate(design, found, seed), versions


async def media_for(db: AsyncSession, versions: Iterable[ItemVersion]) -> dict[int, Media]:
    return await MediaRepository(db).by_ids({v.media_id for v in versions if v.media_id})


@dataclass(frozen=True)
class PreviewedSection:
    title: str
    time_limit_seconds: int
    items: list[dict[str, object]]  # kiosk protocol shape, numbered across the form
    versions: list[int]  # the bank version of each item, for the editor


async def form_preview(db: AsyncSession, blueprint: Blueprint, seed: int) -> list[PreviewedSection]:
    """One form as a participant would get it (raises BlueprintUnsatisfiable)."""
    form, versions = await generate_form(db, blueprint, seed)
    media = await media_for(db, versions.values())
    number = 0
    previewed = []
    for design, drawn in zip(blueprint.sections, form, strict=True):
        items, numbers = [], []
        for form_item in drawn.items:
            number += 1
            version = versions[form_item.version_id]
            items.append(
                kiosk_item(
                    number,
                    form_item.item_id,
                    version,
                    list(form_item.option_order),
                    media.get(version.media_id or 0),
                )
            )
            numbers.append(version.version)
        previewed.append(PreviewedSection(drawn.title, design.time_limit_seconds, items, numbers))
    return previewed
