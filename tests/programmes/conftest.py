from __future__ import annotations

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit.service import Actor
from cact.demo import service as demo
from cact.demo.programme import load_programme
from cact.programmes.models import Programme
from cact.standards.service import load_demo_standards
from tests.fixtures.factories import create_staff, login

ACTOR = Actor.system("test")


@pytest.fixture
async def admin_client(client: AsyncClient, db: AsyncSession) -> AsyncClient:
    await login(client, await create_staff(db, "admin"))
    return client


@pytest.fixture
async def programme(db: AsyncSession) -> Programme:
    """The demo programme: 60 people, two closed waves (30 and 24 people, some absent)."""
    await demo.load_bank(db)
    await load_demo_standards(db, ACTOR)
    return await load_programme(db, ACTOR)
