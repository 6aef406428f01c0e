"""Attempt rows → kiosk protocol v1 views. Nothing here may carry a weight, key or points."""

from __future__ import annotations

from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.blueprints.models import BlueprintSection
from cact.delivery import clock, content
from cact.delivery.models import AttemptSection
from cact.delivery.repository import ItemRepository, ResponseRepository, SectionRepository
from cact.delivery.schemas import (
    AttemptView,
    ItemView,
    MediaView,
    OptionView,
    SectionSummary,
    SectionView,
    StoredAnswer,
)
from cact.delivery.service import CLOSED_STATUSES, KioskContext
from cact.reports.service import participant_summary
from cact.sittings.models import Sitting

LABELS = "ABCDEF"


async def _titles(db: AsyncSession, sections: list[AttemptSection]) -> dict[int, str]:
    ids = [s.blueprint_section_id for s in sections]
    rows = await db.execute(
        select(BlueprintSection.id, BlueprintSection.title).where(BlueprintSection.id.in_(ids))
    )
    return {section_id: title for section_id, title in rows.all()}


def _instructions(summaries: list[SectionSummary]) -> str:
    parts = "".join(
        f"<li>{escape(s.title)}: {s.item_count} soal, {s.time_limit_ms // 60000} menit</li>"
        for s in summaries
    )
    return (
        f"<p>Tes ini terdiri dari {len(summaries)} bagian:</p><ul>{parts}</ul>"
        "<p>Waktu setiap bagian berjalan sejak bagian itu dimulai. Setiap jawaban langsung "
        "tersimpan di server. Tandai <strong>Ragu-ragu</strong> untuk soal yang ingin Anda "
        "periksa kembali.</p>"
    )


async def attempt_view(db: AsyncSession, context: KioskContext, now: datetime) -> AttemptView:
    attempt = context.attempt
    repository = SectionRepository(db)
    sections = await repository.of_attempt(attempt.id)
    counts = await repository.counts(attempt.id)
    titles = await _titles(db, sections)
    sitting_title = await db.scalar(select(Sitting.title).where(Sitting.id == attempt.sitting_id))
    summaries = [
        SectionSummary(
            id=s.id,
            title=titles.get(s.blueprint_section_id, ""),
            status=s.status,
            remaining_ms=clock.remaining_ms(s, now),
            time_limit_ms=s.time_limit_ms + s.extra_ms,
            item_count=counts.get(s.id, (0, 0))[0],
            answered_count=counts.get(s.id, (0, 0))[1],
        )
        for s in sections
    ]
    current = next((s.id for s in sections if s.status == "open"), None)
    return AttemptView(
        server_time=now,
        attempt_id=attempt.id,
        status=attempt.status,
        paused=context.paused,
        current_section_id=current,
        sitting_title=sitting_title or "",
        instructions_html=_instructions(summaries),
        max_seq=await ResponseRepository(db).max_seq(attempt.id),
        results=await participant_summary(db, attempt.id)
        if attempt.status in CLOSED_STATUSES
        else None,
        sections=summaries,
    )


async def section_view(db: AsyncSession, section: AttemptSection, now: datetime) -> SectionView:
    items = await ItemRepository(db).of_section(section.id)
    texts = await content.contents(db, (i.item_version_id for i in items))
    responses = await ResponseRepository(db).of_section(section.id)
    titles = await _titles(db, [section])
    views = []
    for item in items:
        version = texts[item.item_version_id]
        views.append(
            ItemView(
                item_id=item.id,
                number=item.number,
                stem_html=version.stem_html,
                media=MediaView(url=version.media_url, alt=version.media_alt)
                if version.media_url
                else None,
                options=[
                    OptionView(option_id=oid, label=LABELS[i], text_html=version.options[oid])
                    for i, oid in enumerate(item.option_order)
                ],
            )
        )
    return SectionView(
        server_time=now,
        id=section.id,
        title=titles.get(section.blueprint_section_id, ""),
        status=section.status,
        remaining_ms=clock.remaining_ms(section, now),
        items=views,
        answers={
            str(r.attempt_item_id): StoredAnswer(
                option_id=r.option_id, doubtful=r.doubtful, seq=r.seq
            )
            for r in responses
        },
    )
