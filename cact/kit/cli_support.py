"""Running one database job from the command line, in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cact.kit.db import create_engine, create_sessionmaker

T = TypeVar("T")


def run_in_transaction(url: str, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``job`` in one transaction; the caller has imported every table (``cact.models``)."""

    async def main() -> T:
        engine = create_engine(url, pool_size=2, max_overflow=0)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await job(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
