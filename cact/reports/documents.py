"""The printable reports as strings and files: one page's HTML (the same templates as on
screen), a PDF of it, a sitting's individual reports as one HTML document, and as a ZIP of
PDFs named by NIP.

The bulk outputs are streamed person by person, each from its own short database session, so a
sitting of 540 neither holds a connection for minutes nor waits to send its first byte.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cact.exam.service import SittingNotFound
from cact.kit.i18n import translate
from cact.kit.templates import templates
from cact.reports import service
from cact.reports.charts import BarGroup, RadarAxis, bar_svg, radar_svg
from cact.reports.pdf import render_pdf
from cact.reports.repository import ReportedAttempt, ReportRepository
from cact.reports.schemas import IndividualReport, SittingReport

log = logging.getLogger(__name__)

SHEET_OPEN = '<article class="sheet">'  # reports/base.html: one sheet per page
SHEET_CLOSE = "</article>"
UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")
NAME_LIMIT = 100
ERRORS_FILE = "KESALAHAN-ERRORS.txt"


def radar_for(report: IndividualReport, lang: str) -> Markup:
    axes = [
        RadarAxis(
            code=c.competency,
            name=c.name_en if lang == "en" else c.name_id,
            required=c.required_level,
            attained=c.attained_level,
        )
        for c in report.competencies
    ]
    svg = radar_svg(
        axes,
        required_label=translate(lang, "reports.required"),
        attained_label=translate(lang, "reports.attained"),
        title=translate(lang, "reports.radar.title"),
    )
    return Markup(svg)  # charts.py escapes every text it draws


def bars_for(report: SittingReport, lang: str) -> Markup:
    groups = [
        BarGroup(
            code=c.competency,
            name=c.name_en if lang == "en" else c.name_id,
            required=None if c.mean_required is None else float(c.mean_required),
            attained=float(c.mean_attained),
        )
        for c in report.competencies
    ]
    svg = bar_svg(
        groups,
        required_label=translate(lang, "reports.mean_required"),
        attained_label=translate(lang, "reports.mean_attained"),
        title=translate(lang, "reports.bars.title"),
    )
    return Markup(svg)  # charts.py escapes every text it draws


def page_html(name: str, lang: str, context: dict[str, Any]) -> str:
    """A report template rendered outside a request (PDFs, bulk output)."""
    template = templates.env.get_template(name)
    return template.render(
        lang=lang,
        t=lambda key, **values: translate(lang, key, **values),
        tr=translate,
        staff=None,
        **context,
    )


def individual_html(report: IndividualReport, lang: str) -> str:
    return page_html(
        "reports/individual.html", lang, {"report": report, "radar": radar_for(report, lang)}
    )


def sitting_html(report: SittingReport, lang: str) -> str:
    return page_html(
        "reports/sitting.html", lang, {"report": report, "bars": bars_for(report, lang)}
    )


def sheet_of(page: str) -> str:
    """The one ``<article class="sheet">`` of a report page, as the bulk document repeats it."""
    _, found, rest = page.partition(SHEET_OPEN)
    body, closed, _ = rest.rpartition(SHEET_CLOSE)
    if not found or not closed:
        raise ValueError("a report page without its sheet")
    return SHEET_OPEN + body + SHEET_CLOSE


def pdf_names(attempts: Sequence[ReportedAttempt]) -> list[str]:
    """``<NIP>.pdf`` per attempt (the participant number without a NIP), reduced to letters,
    digits, ``.``, ``_`` and ``-``; a name met again gets ``-2``, ``-3`` … (case-insensitively,
    for the file systems that ignore case)."""
    names: list[str] = []
    taken: set[str] = set()
    for attempt in attempts:
        raw = (attempt.nip or "").strip() or attempt.participant_no.strip()
        stem = UNSAFE.sub("_", raw).strip("._-")[:NAME_LIMIT] or f"attempt-{attempt.attempt_id}"
        name, n = stem, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name.lower())
        names.append(f"{name}.pdf")
    return names


async def reported_attempts(db: AsyncSession, sitting_id: int) -> list[ReportedAttempt]:
    """The attempts whose individual reports the bulk outputs hold; 404 for an unknown sitting."""
    repository = ReportRepository(db)
    if await repository.sitting(sitting_id) is None:
        raise SittingNotFound()
    return await repository.reported_attempts(sitting_id)


async def _report(
    sessionmaker: async_sessionmaker[AsyncSession], attempt_id: int
) -> IndividualReport:
    async with sessionmaker() as session, session.begin():
        return await service.individual_report(session, attempt_id)


async def document_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    attempts: Sequence[ReportedAttempt],
    title: str,
    lang: str,
) -> AsyncIterator[bytes]:
    """Every individual report as one HTML document, A4, each person from a new page."""
    marker = "\x00SHEETS\x00"
    head, _, tail = page_html(
        "reports/bundle.html", lang, {"title": title, "count": len(attempts), "sheets": marker}
    ).partition(marker)
    yield head.encode()
    for attempt in attempts:
        report = await _report(sessionmaker, attempt.attempt_id)
        yield sheet_of(individual_html(report, lang)).encode() + b"\n"
    yield tail.encode()


class _Pipe(io.RawIOBase):
    """An unseekable sink: ``zipfile`` writes into it, the response takes what was written."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


async def zip_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    attempts: Sequence[ReportedAttempt],
    lang: str,
) -> AsyncIterator[bytes]:
    """A ZIP of one PDF per individual report, sent as each PDF is made. PDFs are stored, not
    deflated (they are compressed already), so each file's ``%PDF-`` header passes through the
    stream as it is: the download page counts them for its progress bar."""
    pipe = _Pipe()
    failed: list[str] = []
    now = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as bundle:
        for attempt, name in zip(attempts, pdf_names(attempts), strict=True):
            try:
                report = await _report(sessionmaker, attempt.attempt_id)
                pdf = await render_pdf(individual_html(report, lang))
            except Exception:  # one bad report must not cost the other 539
                log.exception("individual report of attempt %s not rendered", attempt.attempt_id)
                failed.append(f"{name}\t{attempt.participant_no}\t{attempt.name}")
                continue
            bundle.writestr(zipfile.ZipInfo(name, date_time=now), pdf)
            yield pipe.drain()
        if failed:
            text = "Laporan yang gagal dibuat / Reports that failed:\n" + "\n".join(failed)
            bundle.writestr(zipfile.ZipInfo(ERRORS_FILE, date_time=now), text + "\n")
    yield pipe.drain()
