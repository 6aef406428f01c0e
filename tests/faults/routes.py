"""Walk the app's whole route table against a running server, as staff and as a kiosk."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from fastapi.routing import APIRoute

from cact.app import ROUTERS

KIOSK_PREFIX = "/api/kiosk/"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the route template
    html: bool  # a person's browser (Accept: text/html) or a script

    def url(self, ids: dict[str, int]) -> str:
        return re.sub(r"\{([^}]+)\}", lambda m: str(ids.get(m.group(1), 1)), self.path)


def calls(methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")) -> Iterator[Call]:
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            for method in sorted(route.methods & set(methods)):
                yield Call(method, route.path, html=False)
                if not route.path.startswith("/api/"):
                    yield Call(method, route.path, html=True)


@dataclass
class Credentials:
    csrf: str
    kiosk_token: str


async def send(
    http: httpx.AsyncClient, call: Call, who: Credentials, ids: dict[str, int]
) -> httpx.Response:
    headers = {"Accept": "text/html" if call.html else "application/json"}
    if call.path.startswith(KIOSK_PREFIX):
        headers["Authorization"] = f"Bearer {who.kiosk_token}"
    elif call.method != "GET":
        headers["X-CSRF-Token"] = who.csrf
    body = {} if call.method in ("POST", "PUT", "PATCH") else None
    request = http.build_request(call.method, call.url(ids), headers=headers, json=body)
    response = await http.send(request, stream=True)
    try:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aread()  # a live dashboard stream is never read to its end
    finally:
        await response.aclose()
    return response
