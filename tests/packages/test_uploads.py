"""The receiver's upload store, in the service: stale uploads go with their chunks; a package
declared again with another file while unfinished starts over."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cact.keys.identity import Identity
from cact.packages import uploads
from cact.packages.models import PackageUpload, PackageUploadChunk
from cact.packages.service import export_wave
from cact.packages.transport import header_line
from tests.packages.conftest import ACTOR, scheduled_wave

pytestmark = pytest.mark.usefixtures("room_trusts_office")
STALE = timedelta(hours=72)


def _declaration(data: bytes) -> uploads.Declaration:
    return uploads.Declaration(
        header_line=header_line(data), size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


async def _counts(db: AsyncSession) -> tuple[int, int]:
    ups = await db.scalar(select(func.count()).select_from(PackageUpload))
    chunks = await db.scalar(select(func.count()).select_from(PackageUploadChunk))
    return int(ups or 0), int(chunks or 0)


async def test_a_stale_upload_is_dropped_with_its_chunks_a_new_file_starts_over(
    db: AsyncSession, room_db: AsyncSession, office: Identity, room: Identity
) -> None:
    sitting = await scheduled_wave(db, participants=2)
    first = await export_wave(db, sitting.id, office, room.public, ACTOR)
    second = await export_wave(db, sitting.id, office, room.public, ACTOR)
    before = await _counts(room_db)

    async def declare(data: bytes) -> uploads.UploadState:
        return await uploads.declare(
            room_db,
            office.fingerprint,
            _declaration(data),
            room,
            max_bytes=10**7,
            stale_after=STALE,
        )

    state = await declare(first)
    await uploads.store_chunk(
        room_db, state.upload_id, office.fingerprint, f"bytes 0-99/{len(first)}", first[:100]
    )
    assert await _counts(room_db) == (before[0] + 1, before[1] + 1)

    # The same package id with another file (made again): the upload starts over from 0.
    changed = bytearray(first)
    changed[-1] ^= 1
    again = await uploads.declare(
        room_db,
        office.fingerprint,
        _declaration(bytes(changed)),
        room,
        max_bytes=10**7,
        stale_after=STALE,
    )
    assert again.upload_id == state.upload_id and again.offset == 0
    assert await _counts(room_db) == (before[0] + 1, before[1])

    await uploads.store_chunk(
        room_db, state.upload_id, office.fingerprint, f"bytes 0-99/{len(first)}", changed[:100]
    )
    upload = await room_db.get(PackageUpload, state.upload_id)
    assert upload is not None
    upload.updated_at = datetime.now(UTC) - STALE - timedelta(minutes=1)
    await room_db.flush()
    await declare(second)  # any declaration sweeps the stale ones
    assert await room_db.get(PackageUpload, state.upload_id, populate_existing=True) is None
    assert await _counts(room_db) == (before[0] + 1, before[1])  # only the second's, no chunk
