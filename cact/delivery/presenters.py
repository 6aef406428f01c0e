"""Attempt rows → kiosk protocol v1 views. Nothing here may carry a weight, key or points.

Each view is one statement (the start herd asks for them 2,000 times at once): the attempt
with its sections, titles and answer counts; or a section with its items and stored answers.
They run on an asyncpg connection: the kiosk pool's, or a session's own inside a change
(start, submit, finish), so that they see what that change wrote."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from html import escape
from typing import Any

from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from cact.delivery import content
from cact.delivery.errors import (
    AttemptPaused,
    KioskUnauthorized,
    NotYourAttempt,
    SectionClosed,
    SectionNotStarted,
    UnknownSection,
)
from cact.exam import clock
from cact.exam.statuses import CLOSED_ATTEMPT
from cact.kit import rawdb
from cact.scoring.summary import participant_summary

LABELS = "ABCDEF"
JSON = "application/json"

_ATTEMPT = """
SELECT a.id, a.status, (a.paused OR st.status = 'paused') AS paused, st.title AS sitting_title,
       (SELECT COALESCE(max(r.seq), 0) FROM response r WHERE r.attempt_id = a.id) AS max_seq,
       s.id AS section_id, bs.title, s.status AS section_status, s.deadline_at, s.paused_at,
       s.time_limit_ms, s.extra_ms, s.break_ms, s.break_ends_at, counts.items, counts.answered
FROM attempt a
JOIN sitting st ON st.id = a.sitting_id
JOIN attempt_section s ON s.attempt_id = a.id
JOIN blueprint_section bs ON bs.id = s.blueprint_section_id
CROSS JOIN LATERAL (
    SELECT count(*) AS items, count(r.option_id) AS answered
    FROM attempt_item i LEFT JOIN response r ON r.attempt_item_id = i.id
    WHERE i.attempt_section_id = s.id
) AS counts
WHERE {where}
ORDER BY s.position
"""
ATTEMPT_BY_TOKEN = _ATTEMPT.format(where="a.kiosk_session_hash = $1::text")
ATTEMPT_BY_ID = _ATTEMPT.format(where="a.id = $1::bigint")

# $1 token hash, $2 section id: the caller's attempt, the section, and (only when the section
# is the caller's, open and not paused) its items in presented order with their stored answers.
SECTION = """
WITH kiosk AS (
    SELECT a.id, (a.paused OR st.status = 'paused') AS paused
    FROM attempt a JOIN sitting st ON st.id = a.sitting_id
    WHERE a.kiosk_session_hash = $1::text
)
SELECT kiosk.id AS kiosk_attempt, kiosk.paused, s.attempt_id, s.id AS section_id, s.status,
       s.deadline_at, s.paused_at, s.time_limit_ms, s.extra_ms, s.break_ends_at, bs.title,
       i.id AS item_id, i.number, i.item_version_id, i.option_order,
       r.option_id, r.doubtful, r.seq
FROM (SELECT) AS one
LEFT JOIN kiosk ON true
LEFT JOIN attempt_section s ON s.id = $2::bigint
LEFT JOIN blueprint_section bs ON bs.id = s.blueprint_section_id
LEFT JOIN attempt_item i
    ON i.attempt_section_id = s.id AND s.attempt_id = kiosk.id AND s.status = 'open'
       AND NOT kiosk.paused
LEFT JOIN response r ON r.attempt_item_id = i.id
ORDER BY i.number
"""


def _pause_text(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60} menit" if seconds % 60 == 0 else f"{seconds} detik"


def _instructions(sections: list[dict[str, Any]]) -> str:
    parts = "".join(
        (
            f"<li>Jeda paling lama {_pause_text(s['break_before_ms'])}</li>"
            if s["break_before_ms"]
            else ""
        )
        + f"<li>{escape(s['title'])}: {s['item_count']} soal, "
        f"{s['time_limit_ms'] // 60000} menit</li>"
        for s in sections
    )
    breaks = (
        "Waktu bagian berikutnya mulai berjalan saat Anda menekan tombol atau saat jeda habis. "
        if any(s["break_before_ms"] for s in sections)
        else ""
    )
    return (
        f"<p>Tes ini terdiri dari {len(sections)} bagian:</p><ul>{parts}</ul>"
        f"<p>Waktu setiap bagian berjalan sejak bagian itu dimulai. {breaks}Setiap jawaban "
        "langsung tersimpan di server. Tandai <strong>Ragu-ragu</strong> untuk soal yang ingin "
        "Anda periksa kembali.</p>"
    )


async def attempt_rows(
    connection: Any, *, token_hash: str | None = None, attempt_id: int = 0
) -> list[Any]:
    if token_hash is not None:
        return await connection.fetch(ATTEMPT_BY_TOKEN, token_hash)  # type: ignore[no-any-return]
    return await connection.fetch(ATTEMPT_BY_ID, attempt_id)  # type: ignore[no-any-return]


def attempt_view(
    rows: list[Any], now: datetime, results: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The attempt from its rows (one per section, in order); 401 when there are none."""
    if not rows:
        raise KioskUnauthorized()
    first = rows[0]
    sections = []
    for row in rows:
        times = clock.SectionClock.of(row, row["section_status"])
        ends = clock.break_end(times, now)
        sections.append(
            {
                "id": row["section_id"],
                "title": row["title"],
                "status": row["section_status"],
                "remaining_ms": clock.remaining_ms(times, now),
                "time_limit_ms": row["time_limit_ms"] + row["extra_ms"],
                "item_count": row["items"],
                "answered_count": row["answered"],
                "break_before_ms": row["break_ms"],
                "break_ends_at": ends.isoformat() if ends else None,
                "break_remaining_ms": clock.break_remaining_ms(times, now),
            }
        )
    closed = first["status"] in CLOSED_ATTEMPT
    running = next((s for s in sections if s["status"] == "open"), None)
    resting = None if closed else next((s for s in sections if s["break_ends_at"]), None)
    current = running or resting
    return {
        "server_time": now.isoformat(),
        "attempt_id": first["id"],
        "status": first["status"],
        "paused": first["paused"],
        "current_section_id": current["id"] if current else None,
        "break_ends_at": resting["break_ends_at"] if resting else None,
        "break_remaining_ms": resting["break_remaining_ms"] if resting else None,
        "sitting_title": first["sitting_title"] or "",
        "instructions_html": _instructions(sections),
        "max_seq": first["max_seq"],
        "results": results,
        "sections": sections,
    }


def is_closed(rows: list[Any]) -> bool:
    return bool(rows) and rows[0]["status"] in CLOSED_ATTEMPT


async def attempt_view_in(db: AsyncSession, attempt_id: int, now: datetime) -> dict[str, Any]:
    """The view after a change made in ``db`` (start, submit, finish), with the participant's
    own results once the attempt is closed."""
    rows = await attempt_rows(await rawdb.driver_connection(db), attempt_id=attempt_id)
    results = await participant_summary(db, attempt_id) if is_closed(rows) else None
    return attempt_view(rows, now, results)


async def section_view(
    connection: Any, token_hash: str, section_id: int, now: datetime
) -> dict[str, Any]:
    rows = await connection.fetch(SECTION, token_hash, section_id)
    first = rows[0]
    if first["kiosk_attempt"] is None:
        raise KioskUnauthorized()
    if first["section_id"] is None:
        raise UnknownSection()
    if first["attempt_id"] != first["kiosk_attempt"]:
        raise NotYourAttempt()
    if first["status"] == "pending":
        raise AttemptPaused() if first["paused"] else SectionNotStarted()
    if first["status"] == "closed":
        raise SectionClosed()
    if first["paused"]:
        raise AttemptPaused()
    items = [row for row in rows if row["item_id"] is not None]
    texts = await content.contents(connection, (row["item_version_id"] for row in items))
    views = []
    for item in items:
        version = texts[item["item_version_id"]]
        views.append(
            {
                "item_id": item["item_id"],
                "number": item["number"],
                "stem_html": version.stem_html,
                "media": {"url": version.media_url, "alt": version.media_alt}
                if version.media_url
                else None,
                "options": [
                    {"option_id": oid, "label": LABELS[i], "text_html": version.options[oid]}
                    for i, oid in enumerate(item["option_order"])
                ],
            }
        )
    return {
        "server_time": now.isoformat(),
        "id": first["section_id"],
        "title": first["title"] or "",
        "status": first["status"],
        "remaining_ms": clock.remaining_ms(clock.SectionClock.of(first, first["status"]), now),
        "items": views,
        "answers": {
            str(row["item_id"]): {
                "option_id": row["option_id"],
                "doubtful": row["doubtful"],
                "seq": row["seq"],
            }
            for row in items
            if row["seq"] is not None
        },
    }


def json_response(view: dict[str, Any]) -> Response:
    """The view as JSON, without a second validation pass: the kiosk's hot path builds plain
    dicts (tests check them against the documented schemas in cact/delivery/schemas.py)."""
    return Response(json_bytes(view), media_type=JSON)


def json_bytes(view: dict[str, Any]) -> bytes:
    return json.dumps(view, separators=(",", ":"), default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")
