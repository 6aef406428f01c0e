"""A participant sitting a whole demo attempt through the kiosk protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx import Response

from tests.fixtures.sittings import KioskClient

# item number, option ids in presented order → the option to choose (None: leave blank)
Chooser = Callable[[int, list[int]], int | None]


def default_choice(number: int, options: list[int]) -> int | None:
    return None if number % 5 == 0 else options[number % len(options)]


async def _call(kiosk: KioskClient, method: str, path: str) -> Any:
    response = await kiosk.call(method, path)
    assert isinstance(response, Response) and response.status_code == 200, response
    return response.json()


async def sit(kiosk: KioskClient, choose: Chooser = default_choice) -> dict[int, int | None]:
    """Log in, answer every section, finish; returns attempt item id → chosen option id."""
    await kiosk.login()
    attempt = await _call(kiosk, "POST", "/attempt/start")
    sections = [s["id"] for s in attempt["sections"]]
    chosen: dict[int, int | None] = {}
    for position, section_id in enumerate(sections, start=1):
        section = await _call(kiosk, "GET", f"/sections/{section_id}")
        for item in section["items"]:
            option = choose(item["number"], [o["option_id"] for o in item["options"]])
            chosen[item["item_id"]] = option
            if option is not None:
                saved = await kiosk.answer(item["item_id"], option)
                assert saved.json()["applied"] is True, saved.text
        if position < len(sections):
            await _call(kiosk, "POST", f"/sections/{section_id}/submit")
    await _call(kiosk, "POST", "/finish")
    return chosen
