"""uvicorn's HTTP protocol with a bound on the time a client takes to send its headers.

uvicorn times out idle keep-alive connections but not a client that connects and sends
nothing, or half a request line: in direct mode (no nginx in front) a few hundred such clients
would hold the server's sockets for good (slowloris). This protocol closes a connection whose
request headers are not complete ``header_timeout`` seconds after it opened or after the
request began; nginx does the same in front with client_header_timeout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cact.config import get_settings

logger = logging.getLogger("cact.http")

# uvicorn's `http=` setting, by name so that worker processes import it too.
PROTOCOL = "cact.kit.http_protocol:HeaderTimeoutProtocol"


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # CACT_HEADER_TIMEOUT_SECONDS, read once per process (get_settings is cached).
        self.header_timeout = get_settings().header_timeout_seconds
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def timeout_keep_alive_handler(self) -> None:
        self._disarm_header_deadline()
        super().timeout_keep_alive_handler()

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(
                self.header_timeout, self._headers_too_slow
            )

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            logger.info("dropped %s: no complete request headers in time", self.client)
            self.transport.close()
