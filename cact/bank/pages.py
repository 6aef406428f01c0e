"""Editor pages for the item bank (server-rendered): list, upload, one item with its versions,
retire, and the item as a participant sees it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from cact.audit import service as audit
from cact.audit.models import AuditEvent
from cact.audit.schemas import AuditFilter
from cact.audit.service import Actor
from cact.auth.deps import EditorUser, client_ip
from cact.bank import service, uploads
from cact.bank.models import ItemStatus
from cact.bank.presenters import item_read, item_summary, kiosk_preview, version_read
from cact.bank.schemas import ImportOutcome, ItemFilter, RetireRequest
from cact.competencies import service as competencies
from cact.kit.db import DbSession
from cact.kit.errors import CactError, NotFound
from cact.kit.i18n import request_language, translate
from cact.kit.limits import UPLOAD_BODY_BYTES
from cact.kit.pages import error_page, lang_switch_href, rehearse, say, when
from cact.kit.templates import render
from item_bank.text import clean_rich

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_PAGE = 100_000  # keeps a typed-in page number inside PostgreSQL's OFFSET range
KINDS = ("weighted", "keyed")
STATUSES = tuple(ItemStatus)


# --- the item as the kiosk shows it, shared with the blueprint pages ---------------------


def rich(html: str) -> Markup:
    """Stored rich text is sanitised on import; cleaning again costs little and guards the page."""
    return Markup(clean_rich(html))


def question_view(item: dict[str, Any]) -> dict[str, Any]:
    """A kiosk protocol item with its rich text marked safe for the template."""
    return {
        **item,
        "stem_html": rich(item["stem_html"]),
        "options": [{**o, "text_html": rich(o["text_html"])} for o in item["options"]],
    }


async def competency_choices(db: AsyncSession, lang: str) -> list[tuple[str, str]]:
    return [
        (c.code, f"{c.code} — {c.name_en if lang == 'en' else c.name_id}")
        for c in await competencies.list_all(db)
    ]


def _t(request: Request, key: str, **values: object) -> str:
    return translate(request_language(request), key, **values)


# --- item list ----------------------------------------------------------------------------


def _filters(competency: str, level: str, kind: str, status: str, q: str) -> ItemFilter:
    """Forms send "" for "all"; anything out of range is simply not a filter."""
    return ItemFilter.model_validate(
        {
            "competency": competency.strip() or None,
            "level": int(level) if level in {"1", "2", "3", "4", "5"} else None,
            "kind": kind if kind in KINDS else None,
            "status": status if status in STATUSES else None,
            "q": q.strip()[:200] or None,
        }
    )


def _page_href(filters: ItemFilter, page: int) -> str:
    params = {k: v for k, v in filters.model_dump().items() if v is not None}
    return "/editor/items?" + urlencode({**params, "page": page})


@router.get("/editor/items")
async def item_list(
    _: EditorUser,
    request: Request,
    db: DbSession,
    competency: str = "",
    level: str = "",
    kind: str = "",
    status: str = "",
    q: str = "",
    page: str = "1",
) -> HTMLResponse:
    filters = _filters(competency, level, kind, status, q)
    number = min(max(int(page), 1), MAX_PAGE) if page.isdigit() else 1
    rows, total = await service.search(
        db, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    last = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "editor/items.html",
        {
            "section": "items",
            "filters": filters,
            "items": [item_summary(item, version) for item, version in rows],
            "total": total,
            "first_shown": (number - 1) * PAGE_SIZE + 1 if rows else 0,
            "last_shown": (number - 1) * PAGE_SIZE + len(rows),
            "prev_href": _page_href(filters, number - 1) if number > 1 else None,
            "next_href": _page_href(filters, number + 1) if number < last else None,
            "page": number,
            "pages": last,
            "competencies": await competency_choices(db, request_language(request)),
            "kinds": KINDS,
            "statuses": STATUSES,
        },
    )


# --- upload -------------------------------------------------------------------------------


async def _upload_page(
    request: Request, db: AsyncSession, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    page = {
        "section": "upload",
        "competencies": await competency_choices(db, request_language(request)),
        "chosen_competency": "",
        "report": None,
        "outcome": None,
        "error": None,
        "files": [],
        **context,
    }
    return render(request, "editor/upload.html", page, status_code=status_code)


async def _store(
    db: AsyncSession, loaded: uploads.LoadedUpload, actor: Actor, *, dry_run: bool
) -> ImportOutcome:
    """All or nothing in a savepoint: a check-only run or a refused import leaves no trace,
    and the signed-in user's rows stay loaded for the page that follows."""
    return await rehearse(
        db,
        lambda: service.import_item_sets(
            db, loaded.item_sets, loaded.media, actor, dry_run=dry_run
        ),
        keep=not dry_run,
    )


@router.get("/editor/upload")
async def upload_form(_: EditorUser, request: Request, db: DbSession) -> HTMLResponse:
    return await _upload_page(request, db)


@router.post("/editor/upload", max_body_size=UPLOAD_BODY_BYTES)
async def upload_submit(
    editor: EditorUser,
    request: Request,
    db: DbSession,
    files: Annotated[list[UploadFile] | None, File()] = None,
    competency: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "check",
) -> HTMLResponse:
    lang = request_language(request)
    chosen = [f for f in files or [] if f.filename]  # an empty file input still sends a part
    names = [f.filename for f in chosen]
    kept: dict[str, Any] = {"chosen_competency": competency, "files": names}
    if not chosen:
        error = _t(request, "editor.upload.no_files")
        return await _upload_page(request, db, status_code=422, error=error, **kept)
    try:
        loaded = await uploads.load(db, chosen, default_competency=competency.strip() or None)
    except CactError as exc:
        error = say(exc, lang)
        return await _upload_page(request, db, status_code=exc.status, error=error, **kept)
    if loaded.problems:
        report = loaded.report()
        return await _upload_page(request, db, status_code=422, report=report, **kept)
    try:
        outcome = await _store(
            db, loaded, Actor.staff(editor, client_ip(request)), dry_run=action != "import"
        )
    except CactError as exc:
        error = say(exc, lang)
        return await _upload_page(request, db, status_code=exc.status, error=error, **kept)
    return await _upload_page(request, db, outcome=outcome, **kept)


# --- one item -----------------------------------------------------------------------------


async def _retirement(db: AsyncSession, item_id: str) -> AuditEvent | None:
    """Who retired the item, when and why: the audit log keeps it."""
    wanted = AuditFilter(action="item.retire", target_type="item", target_id=item_id)
    events, _ = await audit.search(db, wanted, limit=1, offset=0)
    return events[0] if events else None


async def _item_page(
    request: Request,
    db: AsyncSession,
    item_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    reason: str = "",
) -> HTMLResponse:
    item, version = await service.get_item(db, item_id)
    competency = await competencies.get(db, item.competency_code)
    lang = request_language(request)
    versions = [await version_read(db, v) for v in await service.history(db, item_id)]
    return render(
        request,
        "editor/item.html",
        {
            "section": "items",
            "item": await item_read(db, item, version),
            "competency_name": competency.name_en if lang == "en" else competency.name_id,
            "versions": versions,
            "retirement": await _retirement(db, item.id)
            if item.status == ItemStatus.RETIRED
            else None,
            "retired_now": request.query_params.get("retired") == "1",
            "error": error,
            "reason": reason,
            "when": when,
            "rich": rich,
        },
        status_code=status_code,
    )


@router.get("/editor/items/{item_id}")
async def item_page(item_id: str, _: EditorUser, request: Request, db: DbSession) -> HTMLResponse:
    try:
        return await _item_page(request, db, item_id)
    except NotFound as exc:
        return error_page(request, exc)


@router.post("/editor/items/{item_id}/retire")
async def item_retire(
    item_id: str,
    editor: EditorUser,
    request: Request,
    db: DbSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        await service.get_item(db, item_id)  # an unknown item is a 404 before anything else
    except NotFound as exc:
        return error_page(request, exc)
    try:
        body = RetireRequest(reason=reason.strip())
    except ValidationError:
        error = _t(request, "editor.item.reason_needed")
        return await _item_page(
            request, db, item_id, status_code=422, error=error, reason=reason[:500]
        )
    try:
        await service.retire(db, item_id, body.reason, Actor.staff(editor, client_ip(request)))
    except service.ItemAlreadyRetired as exc:
        error = say(exc, request_language(request))
        return await _item_page(request, db, item_id, status_code=exc.status, error=error)
    return RedirectResponse(f"/editor/items/{quote(item_id, safe='')}?retired=1", 303)


@router.get("/editor/items/{item_id}/preview")
async def item_preview(
    item_id: str, _: EditorUser, request: Request, db: DbSession
) -> HTMLResponse:
    """The item as the kiosk shows it, from the same protocol shape: no weights, key or points."""
    try:
        item, version = await service.get_item(db, item_id)
    except NotFound as exc:
        return error_page(request, exc)
    question = question_view(await kiosk_preview(db, item, version))
    return render(
        request,
        "editor/item_preview.html",
        {
            "item_id": item.id,
            "version": item.current_version,
            "question": question,
            "lang_href": lang_switch_href(request),
        },
    )
