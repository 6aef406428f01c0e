"""The proctoring tests' sitting (three participants) and the proctor's own client beside the
participant's kiosk client; a test module with another sitting defines its own ``opened``."""

from __future__ import annotations

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.exam.models import SittingProctor
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import OpenSitting, open_sitting


@pytest.fixture
async def opened(db: AsyncSession) -> OpenSitting:
    return await open_sitting(db, participants=3)


@pytest.fixture
async def proctor(app: object, db: AsyncSession, opened: OpenSitting) -> AsyncClient:
    """A second client for the proctor (the test's `client` is a participant's kiosk)."""
    user = await create_staff(db, "proctor")
    db.add(SittingProctor(sitting_id=opened.sitting.id, staff_user_id=user.id))
    await db.flush()
    http = AsyncClient(
        transport=ASGITransport(app=app),  # type: ignore[arg-type]
        base_url="http://testserver",
        headers={"Accept": "application/json"},
    )
    await login(http, user)
    return http
