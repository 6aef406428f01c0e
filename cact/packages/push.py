"""The sending end of ``cact package push FILE --to URL``: declare the package, ask where the
receiver is, send the rest in chunks, finish, and check the receiver's signed acknowledgement.
A network error or a busy receiver is retried with a bounded backoff, always from the offset
the receiver reports, so an interrupted push resumes and never sends a byte twice on purpose."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from cact.keys.identity import Identity
from cact.kit.errors import CactError
from cact.packages.envelope import read_header
from cact.packages.transport import header_line, sign_request, verify_acknowledgement

CHUNK_BYTES = 1024 * 1024
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0)  # then give up (~40 s in all)
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class PushFailed(CactError):
    status = 502
    code = "push_failed"
    message = (
        "Server tujuan tidak dapat dihubungi; jalankan perintah yang sama lagi untuk melanjutkan. "
        "/ The receiving server cannot be reached; run the same command again to resume."
    )


class PushRefused(CactError):
    status = 400
    code = "push_refused"
    message = "Server tujuan menolak paket. / The receiving server refused the package."


@dataclass(frozen=True)
class Pushed:
    acknowledgement: dict[str, Any]
    sent_bytes: int  # what this run sent (less than the file when it resumed)
    resumed_from: int  # the offset the receiver had when this run started


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    return f"{detail if detail is not None else body} (HTTP {response.status_code})"


class _Receiver:
    def __init__(
        self,
        base_url: str,
        identity: Identity,
        client: httpx.Client,
        sleep: Callable[[float], None],
        backoff: tuple[float, ...],
    ) -> None:
        self.base = base_url.rstrip("/")
        self.prefix = httpx.URL(self.base).path.rstrip("/")
        self.identity = identity
        self.client = client
        self.sleep = sleep
        self.backoff = backoff

    def call(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        accept: tuple[int, ...] = (200,),
    ) -> httpx.Response:
        """One request, retried on network errors and 502/503/504; refusals raise."""
        for pause in (*self.backoff, None):
            signed = sign_request(self.identity, method, self.prefix + path, body)
            try:
                response = self.client.request(
                    method,
                    self.base + path,
                    content=body,
                    headers={**signed, **(headers or {})},
                )
            except httpx.TransportError as exc:
                if pause is None:
                    raise PushFailed(f"{PushFailed.message} ({exc})") from None
                self.sleep(pause)
                continue
            if response.status_code in accept:
                return response
            if response.status_code in (502, 503, 504) and pause is not None:
                self.sleep(pause)
                continue
            raise PushRefused(f"{PushRefused.message} {_detail(response)}")
        raise AssertionError("unreachable")  # pragma: no cover

    def state(self, response: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        return body


def push(
    data: bytes,
    url: str,
    identity: Identity,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff: tuple[float, ...] = BACKOFF_SECONDS,
) -> Pushed:
    """Send the package to the server at ``url`` (its base, e.g. https://kantor.example)."""
    header = read_header(data)
    sha256 = hashlib.sha256(data).hexdigest()
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT)
    try:
        receiver = _Receiver(url, identity, http, sleep, backoff)
        declaration = {"header_line": header_line(data), "size": len(data), "sha256": sha256}
        body = json.dumps(declaration).encode()
        state = receiver.state(
            receiver.call(
                "POST", "/api/packages/uploads", body, {"Content-Type": "application/json"}
            )
        )
        upload = f"/api/packages/uploads/{state['upload_id']}"
        offset = resumed_from = int(state["offset"])
        sent = 0
        while state["acknowledgement"] is None and offset < len(data):
            chunk = data[offset : offset + chunk_bytes]
            content_range = f"bytes {offset}-{offset + len(chunk) - 1}/{len(data)}"
            response = receiver.call(
                "PUT",
                upload,
                chunk,
                {"Content-Range": content_range, "Content-Type": "application/octet-stream"},
                accept=(200, 409),
            )
            if response.status_code == 409:  # not where the receiver is: ask it, go on from there
                state = receiver.state(receiver.call("GET", upload))
            else:
                state = receiver.state(response)
                sent += len(chunk)
            offset = int(state["offset"])
        if state["acknowledgement"] is None:
            response = receiver.call("POST", f"{upload}/complete", accept=(200, 409))
            if response.status_code == 409:
                raise PushRefused(f"{PushRefused.message} {_detail(response)}")
            state = receiver.state(response)
        ack: dict[str, Any] = state["acknowledgement"]
        verify_acknowledgement(
            ack, package_id=str(header.package_id), sha256=sha256, recipient=header.recipient
        )
        return Pushed(ack, sent, resumed_from)
    finally:
        if own:
            http.close()
