"""A sitting's browser policy for the admin: the API, the form on the sitting's page, and the
.seb file CACT writes for it (its Config Key is the one the server enforces)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from cact.audit.service import Actor
from cact.auth.deps import AdminUser, client_ip
from cact.kit.db import DbSession
from cact.kit.errors import CactError
from cact.kit.i18n import request_language
from cact.kit.pages import attempt, bind, error_page, say
from cact.lockdown import seb
from cact.lockdown import service as browsers
from cact.lockdown.cache import of_app as policy_cache
from cact.lockdown.schemas import BrowserPolicyRead, BrowserPolicyUpdate
from cact.rooms.schemas import PathId
from cact.sittings.pages import render_sitting

router = APIRouter(prefix="/api/sittings", tags=["sittings"])
pages = APIRouter(include_in_schema=False)

SEB_MEDIA_TYPE = "application/seb"
Text = Annotated[str, Form(max_length=4000)]


def _base(request: Request) -> str | None:
    base: str | None = request.app.state.settings.public_base_url
    return base


def _forget_later(request: Request, tasks: BackgroundTasks) -> None:
    # After the response, so after the commit: this worker's next kiosk call reads the change.
    tasks.add_task(policy_cache(request.app.state).forget)


async def policy_view(db: DbSession, sitting_id: int, base: str | None) -> BrowserPolicyRead:
    return browsers.read(sitting_id, await browsers.get(db, sitting_id), base)


@router.get("/{sitting_id}/browser-policy", response_model=BrowserPolicyRead)
async def get_policy(
    sitting_id: PathId, _: AdminUser, request: Request, db: DbSession
) -> BrowserPolicyRead:
    return await policy_view(db, sitting_id, _base(request))


@router.put(
    "/{sitting_id}/browser-policy",
    response_model=BrowserPolicyRead,
    responses={409: {"description": "`public_base_url_missing`: set CACT_PUBLIC_BASE_URL"}},
)
async def put_policy(
    sitting_id: PathId,
    body: BrowserPolicyUpdate,
    user: AdminUser,
    request: Request,
    db: DbSession,
    tasks: BackgroundTasks,
) -> BrowserPolicyRead:
    """Audited (`sitting.browser_policy`). Kiosks see the change within a few seconds."""
    actor = Actor.staff(user, client_ip(request))
    now = datetime.now(UTC)
    await browsers.update(db, sitting_id, body, actor, _base(request), now)
    _forget_later(request, tasks)
    return await policy_view(db, sitting_id, _base(request))


@router.get(
    "/{sitting_id}/seb-config",
    response_class=Response,
    responses={
        200: {
            "content": {SEB_MEDIA_TYPE: {}},
            "description": "the sitting's SEB configuration (an unencrypted XML property list); "
            "the `X-SEB-Config-Key` header carries its Config Key",
        },
        409: {"description": "`public_base_url_missing`: set CACT_PUBLIC_BASE_URL"},
    },
)
async def seb_config(sitting_id: PathId, _: AdminUser, request: Request, db: DbSession) -> Response:
    name, data = await browsers.seb_file(db, sitting_id, _base(request))
    return Response(
        data,
        media_type=SEB_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-SEB-Config-Key": seb.config_key(seb.read_plist(data)),
            "Cache-Control": "no-store",
        },
    )


# --- the form on the sitting's page ----------------------------------------------------------


def _keys(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text) if part]


@pages.post("/admin/sittings/{sitting_id}/browser")
async def policy_form(
    sitting_id: PathId,
    user: AdminUser,
    request: Request,
    db: DbSession,
    tasks: BackgroundTasks,
    kind: Text = "any",
    check_config_key: Text = "",
    browser_exam_keys: Text = "",
    quit_password: Text = "",
    clear_quit_password: Text = "",
    user_agent_marker: Text = "",
    new_secret: Text = "",
) -> Response:
    fields = {
        "kind": kind,
        "check_config_key": bool(check_config_key),
        "browser_exam_keys": _keys(browser_exam_keys),
        "quit_password": quit_password or None,
        "clear_quit_password": bool(clear_quit_password),
        "user_agent_marker": user_agent_marker or None,
        "new_secret": bool(new_secret),
    }
    data = bind(request, BrowserPolicyUpdate, fields, "admin.browser.field")
    try:
        if isinstance(data, str):
            return await render_sitting(request, db, sitting_id, status_code=422, error=data)
        actor = Actor.staff(user, client_ip(request))
        chosen = data
        refused = await attempt(
            db,
            lambda: browsers.update(
                db, sitting_id, chosen, actor, _base(request), datetime.now(UTC)
            ),
        )
        if refused is not None:
            message = say(refused, request_language(request))
            return await render_sitting(
                request, db, sitting_id, status_code=refused.status, error=message
            )
    except CactError as exc:
        return error_page(request, exc)
    _forget_later(request, tasks)
    return RedirectResponse(f"/admin/sittings/{sitting_id}?done=browser_saved", 303)
