"""The kiosk's hot path answers with plain JSON; it must be exactly what the published schemas
(cact/delivery/schemas.py, the OpenAPI) say: the same keys, values of the documented types."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from cact.delivery.schemas import AnswerAck, AttemptView, HeartbeatView, SectionView
from tests.fixtures.sittings import KioskClient, open_sitting


def _conforms(model: type[BaseModel], body: dict[str, Any]) -> BaseModel:
    assert set(body) == set(model.model_fields), model.__name__
    return model.model_validate(body, strict=False)


async def test_every_hot_path_answer_matches_its_schema(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    kiosk = KioskClient(client, opened.participant_nos[0], opened.token)
    await kiosk.login()
    _conforms(AttemptView, (await kiosk.call("GET", "/attempt")).json())
    started = (await kiosk.call("POST", "/attempt/start")).json()
    _conforms(AttemptView, started)
    raw = (await kiosk.call("GET", f"/sections/{started['current_section_id']}")).json()
    section = _conforms(SectionView, raw)
    assert isinstance(section, SectionView)
    first = section.items[0]
    assert set(raw["items"][0]) == set(type(first).model_fields)
    assert set(raw["items"][0]["options"][0]) == set(type(first.options[0]).model_fields)
    ack = (await kiosk.answer(first.item_id, first.options[0].option_id)).json()
    _conforms(AnswerAck, ack)
    again = (await kiosk.call("GET", f"/sections/{section.id}")).json()
    answer = again["answers"][str(first.item_id)]
    assert answer == {"option_id": first.options[0].option_id, "doubtful": False, "seq": 1}
    _conforms(HeartbeatView, (await kiosk.call("POST", "/heartbeat")).json())
    submitted = (await kiosk.call("POST", f"/sections/{section.id}/submit")).json()
    _conforms(AttemptView, submitted)
    finished = (await kiosk.call("POST", "/finish")).json()
    view = _conforms(AttemptView, finished)
    assert isinstance(view, AttemptView) and view.status == "submitted"
