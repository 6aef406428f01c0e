"""Request body limits, enforced by FastAPI before a byte is parsed (Content-Length first,
then while the body streams in): a client cannot make the server read 60 MB of JSON."""

from __future__ import annotations

KIOSK_BODY_BYTES = 16 * 1024  # an answer, a login: a few hundred bytes
DEFAULT_BODY_BYTES = 1024 * 1024  # staff forms and JSON
# Uploads (item files, rosters, standards): every file together in one request; each file
# is also held to its own limit (20 MiB, docs/item-format.md "Limits").
UPLOAD_BODY_BYTES = 64 * 1024 * 1024
