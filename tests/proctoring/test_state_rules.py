"""What a proctor may do depends on the state (issue 14): no extra time or termination for a
participant who never logged in, no token change after the close — refused by the server with a
clear error, not only hidden on the dashboard. Repeated wrong kiosk logins show on the tile
(count, last try, the wait) and the proctor's reset clears them (issue 13)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.fixtures.sittings import KioskClient, OpenSitting

LOGIN = "/api/kiosk/v1/login"


async def _tile(proctor: AsyncClient, sitting_id: int, number: str) -> dict[str, object]:
    tiles = (await proctor.get(f"/api/proctor/sittings/{sitting_id}/tiles")).json()["tiles"]
    found: dict[str, object] = next(t for t in tiles if t["number"] == number)
    return found


async def test_extra_time_and_terminate_are_refused_for_someone_who_never_logged_in(
    proctor: AsyncClient, opened: OpenSitting
) -> None:
    tile = await _tile(proctor, opened.sitting.id, opened.participant_nos[0])
    assert tile["ever_logged_in"] is False
    url = f"/api/proctor/attempts/{tile['attempt_id']}"
    for path, body in (
        ("extra-time", {"minutes": 5, "reason": "Komputer mati"}),
        ("terminate", {"reason": "Curang"}),
    ):
        refused = await proctor.post(f"{url}/{path}", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "participant_never_logged_in"
        assert "belum pernah masuk" in refused.json()["detail"]
        assert "never logged in" in refused.json()["detail"]
    after = await _tile(proctor, opened.sitting.id, opened.participant_nos[0])
    assert after["attempt_status"] == "not_started"  # nothing changed


async def test_someone_who_logged_in_but_has_not_started_may_get_extra_time(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    kiosk = KioskClient(client, opened.participant_nos[1], opened.token)
    await kiosk.login()
    extra = await proctor.post(
        f"/api/proctor/attempts/{kiosk.attempt_id}/extra-time",
        json={"minutes": 5, "reason": "Terlambat karena listrik"},
    )
    assert extra.status_code == 200, extra.text


async def test_the_token_cannot_change_after_the_close(
    proctor: AsyncClient, opened: OpenSitting
) -> None:
    base = f"/api/proctor/sittings/{opened.sitting.id}"
    closed = await proctor.post(f"{base}/close", json={"reason": "Selesai"})
    assert closed.status_code == 200, closed.text
    refused = await proctor.post(f"{base}/token/rotate", json={})
    assert refused.status_code == 409
    assert refused.json()["error"] == "sitting_closed"
    assert " / " in refused.json()["detail"]  # Indonesian, then English


async def test_wrong_kiosk_logins_show_on_the_tile_and_the_reset_clears_them(
    client: AsyncClient, proctor: AsyncClient, opened: OpenSitting
) -> None:
    number = opened.participant_nos[2]
    limit = 10
    for _ in range(limit + 2):
        await client.post(LOGIN, json={"participant_no": number.lower(), "token": "ZZZZZZ"})
    tile = await _tile(proctor, opened.sitting.id, number)
    failures = tile["login_failures"]
    assert isinstance(failures, dict)
    assert failures["count"] == limit + 2
    assert failures["last_at"] is not None and failures["blocked_until"] is not None
    other = await _tile(proctor, opened.sitting.id, opened.participant_nos[0])
    assert other["login_failures"] is None
    blocked = await client.post(LOGIN, json={"participant_no": number, "token": opened.token})
    assert blocked.status_code == 429

    reset = await proctor.post(
        f"/api/proctor/attempts/{tile['attempt_id']}/reset-login",
        json={"reason": "Salah ketik token berulang kali"},
    )
    assert reset.status_code == 200, reset.text
    assert (await _tile(proctor, opened.sitting.id, number))["login_failures"] is None
    again = await client.post(LOGIN, json={"participant_no": number, "token": opened.token})
    assert again.status_code == 200, again.text
