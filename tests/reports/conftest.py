from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import create_staff, login


@pytest.fixture
async def admin_client(client: AsyncClient, db: AsyncSession) -> AsyncClient:
    await login(client, await create_staff(db, "admin"))
    return client
