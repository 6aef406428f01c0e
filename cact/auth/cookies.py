from __future__ import annotations

from fastapi import Request, Response

from cact.auth.deps import SESSION_COOKIE
from cact.config import Settings


def set_session_cookie(
    response: Response, request: Request, settings: Settings, token: str
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        # Behind the LAN's TLS proxy the cookie never travels in clear text.
        secure=settings.secure_cookies or request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
