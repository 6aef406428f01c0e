"""The two reads the kiosk-call check makes on the raw pool, each one statement: the policies
in force (a few rows, read again every few seconds per worker) and the sitting behind a kiosk
token (once per token per worker)."""

from __future__ import annotations

from typing import Any

from cact.exam.statuses import LOGIN_SITTING, sql_list

IN_FORCE = f"""
SELECT bp.sitting_id, bp.kind, bp.seb_check_config_key, bp.seb_browser_exam_keys,
       bp.seb_quit_password_hash, bp.app_user_agent_marker, bp.app_secret
FROM browser_policy bp JOIN sitting s ON s.id = bp.sitting_id
WHERE bp.kind <> 'any' AND s.status IN ({sql_list(LOGIN_SITTING)})
"""

# $1 kiosk token hash
SITTING_OF_TOKEN = "SELECT id, sitting_id FROM attempt WHERE kiosk_session_hash = $1::text"


async def in_force(connection: Any) -> list[Any]:
    return list(await connection.fetch(IN_FORCE))


async def attempt_of_token(connection: Any, token_hash: str) -> tuple[int, int] | None:
    row = await connection.fetchrow(SITTING_OF_TOKEN, token_hash)
    return None if row is None else (int(row["id"]), int(row["sitting_id"]))
