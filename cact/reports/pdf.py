"""HTML → PDF with WeasyPrint (Debian's Pango underneath): the printable pages as files.

The pages are rendered by the same templates as on screen; only the stylesheets under
``kiosk_ui/static`` are read (from disk, never over the network), and a missing one stops the
rendering instead of printing an unstyled sheet. WeasyPrint is CPU work that holds the GIL for
about a second a page, so renders run in a worker thread, one at a time per process: the event
loop keeps serving the room while a sitting's reports are made.
"""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

import anyio
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cact.kit.templates import UI_DIR

STATIC = (UI_DIR / "static").resolve()
BASE_URL = "http://cact.local/"  # never fetched: the fetcher below answers from STATIC
_ONE_AT_A_TIME = anyio.CapacityLimiter(1)
# The stylesheet's SVG rules (fill, stroke …) are for browsers; WeasyPrint warns about each one
# on every page. A missing resource still stops the render (fail_on_errors below).
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class StaticOnly(URLFetcher):
    """Answers ``/static/…`` from the package's files and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("http",), fail_on_errors=True)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith(BASE_URL + "static/"):
            raise ValueError(f"a report fetches nothing outside /static/: {url}")
        relative = url.removeprefix(BASE_URL + "static/").split("?", 1)[0].split("#", 1)[0]
        path = (STATIC / relative).resolve()
        if not path.is_relative_to(STATIC) or not path.is_file():
            raise ValueError(f"no such static file: {url}")
        media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media})


def html_to_pdf(html: str) -> bytes:
    """A4 PDF of one HTML page (the page's own ``@page`` rules set size and margins)."""
    pdf: bytes = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()
    return pdf


async def render_pdf(html: str) -> bytes:
    """``html_to_pdf`` in a worker thread, one render at a time in this process."""
    return await anyio.to_thread.run_sync(html_to_pdf, html, limiter=_ONE_AT_A_TIME)
