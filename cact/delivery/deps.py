"""The kiosk's caller: the attempt behind the bearer token (never a staff cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cact.delivery import calls
from cact.delivery.errors import KioskUnauthorized
from cact.delivery.service import KioskContext, session_hash
from cact.kit.db import DbSession


def bearer_hash(request: Request) -> str:
    """The stored form of the request's kiosk token (401 without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KioskUnauthorized()
    return session_hash(token.strip())


async def kiosk_context(request: Request, db: DbSession) -> KioskContext:
    return await calls.kiosk_context(db, bearer_hash(request))


Kiosk = Annotated[KioskContext, Depends(kiosk_context)]
