"""The yardstick for answer saves: a bare FastAPI + asyncpg endpoint doing one upsert and one
insert per request, nothing else. bench/save_throughput.py compares CACT against it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel

DSN = os.environ["BARE_DSN"]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=10, max_size=20)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bare_response (item bigint PRIMARY KEY, option bigint,"
            " seq bigint NOT NULL, saved_at timestamptz NOT NULL DEFAULT now());"
            "CREATE TABLE IF NOT EXISTS bare_log (id bigserial PRIMARY KEY, item bigint,"
            " option bigint, seq bigint, received_at timestamptz NOT NULL DEFAULT now())"
        )
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


class Save(BaseModel):
    option_id: int | None
    seq: int


@app.put("/save/{item}")
async def save(item: int, body: Save) -> dict[str, bool]:
    async with app.state.pool.acquire() as conn, conn.transaction():
        stored = await conn.fetchval(
            "INSERT INTO bare_response (item, option, seq) VALUES ($1, $2, $3)"
            " ON CONFLICT (item) DO UPDATE SET option = EXCLUDED.option, seq = EXCLUDED.seq,"
            " saved_at = now() WHERE bare_response.seq < EXCLUDED.seq RETURNING seq",
            item,
            body.option_id,
            body.seq,
        )
        if stored is not None:
            await conn.execute(
                "INSERT INTO bare_log (item, option, seq) VALUES ($1, $2, $3)",
                item,
                body.option_id,
                body.seq,
            )
    return {"applied": stored is not None}
