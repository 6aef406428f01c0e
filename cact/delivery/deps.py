"""The kiosk's caller: the attempt behind the bearer token (never a staff cookie), and the
sitting's browser policy checked before every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from cact.delivery import calls
from cact.delivery.errors import KioskUnauthorized
from cact.delivery.service import KioskContext, session_hash, utcnow
from cact.kit.db import DbSession
from cact.lockdown.cache import of_app as policy_cache
from cact.lockdown.service import Gate, request_facts


def bearer_hash(request: Request) -> str:
    """The stored form of the request's kiosk token (401 without one)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise KioskUnauthorized()
    return session_hash(token.strip())


async def kiosk_context(request: Request, db: DbSession) -> KioskContext:
    return await calls.kiosk_context(db, bearer_hash(request))


Kiosk = Annotated[KioskContext, Depends(kiosk_context)]


def browser_gate_of(request: Request) -> Gate:
    """The worker's policy check (its cache lives as long as the app)."""
    return gate_of_state(request.app.state)


def gate_of_state(state: State) -> Gate:
    cache = policy_cache(state)
    return Gate(cache, state.raw_connections, state.sessionmaker, state.settings.public_base_url)


async def browser_checked(request: Request) -> None:
    """Every kiosk call after login: refused (403 browser_not_allowed) when the sitting asks
    for a lockdown browser and this request does not come from it."""
    gate = browser_gate_of(request)
    facts = request_facts(request, gate.base_url)
    ip = request.client.host if request.client else None
    await gate.check_call(bearer_hash(request), facts, ip, utcnow())


BrowserChecked = Depends(browser_checked)
