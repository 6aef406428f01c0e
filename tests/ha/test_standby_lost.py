"""The standby stopped during an exam: the primary goes on alone (saves are acknowledged), and
the dashboard, /readyz and /metrics say loudly that answers are on one disk only; when the
standby is back, commits wait for it again and the warning goes."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from cact.kit.db import create_engine, create_sessionmaker
from tests.faults.conftest import prepared_database
from tests.fixtures.factories import PASSWORD, create_staff
from tests.ha.cluster import Cluster, readyz, synchronous, wait_for

pytestmark = pytest.mark.slow

SAVE_WITHIN = 20.0  # the guard gives the standby 5 s; the save waits at most that, plus a look


async def _save(http: httpx.AsyncClient, kiosk: dict[str, str], item: int, seq: int) -> float:
    started = time.monotonic()
    answer = await http.put(
        f"/api/kiosk/v1/answers/{item}",
        json={"option_id": None, "doubtful": True, "seq": seq},
        headers=kiosk,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["applied"] is True
    return time.monotonic() - started


async def test_the_standby_stopped_saves_go_on_and_the_dashboard_warns() -> None:
    with tempfile.TemporaryDirectory(prefix="cact-ha-lost-") as tmp:
        cluster = Cluster(Path(tmp))
        try:
            await asyncio.to_thread(cluster.set_up)
            url = cluster.primary.url()
            opened = await prepared_database(url, participants=1)
            engine = create_engine(url, pool_size=1, max_overflow=0)
            async with create_sessionmaker(engine)() as db, db.begin():
                staff = await create_staff(db, "admin", "proctor", username="pengawas")
            await engine.dispose()
            base, _ = await asyncio.to_thread(cluster.start_app, cluster.primary)
            await asyncio.to_thread(wait_for, lambda: synchronous(base), 60, "synchronous")

            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                login = await http.post(
                    "/api/kiosk/v1/login",
                    json={"participant_no": opened.participant_nos[0], "token": opened.token},
                )
                assert login.status_code == 200, login.text
                kiosk = {"Authorization": f"Bearer {login.json()['kiosk_token']}"}
                started = await http.post("/api/kiosk/v1/attempt/start", headers=kiosk)
                section_id = started.json()["current_section_id"]
                section = await http.get(f"/api/kiosk/v1/sections/{section_id}", headers=kiosk)
                items = [item["item_id"] for item in section.json()["items"]]
                await _save(http, kiosk, items[0], 1)
                staff_login = await http.post(
                    "/api/auth/login", json={"username": staff.username, "password": PASSWORD}
                )
                assert staff_login.status_code == 200
                page = f"/proctor/sittings/{opened.sitting.id}"
                html = {"Accept": "text/html"}
                assert "ha-warning" not in (await http.get(page, headers=html)).text

                cluster.kill_postgres(cluster.standby)  # the standby's machine is gone
                waited = await _save(http, kiosk, items[1], 2)
                assert waited <= SAVE_WITHIN
                await _save(http, kiosk, items[2], 3)  # and the next goes at full speed

                ready = (await http.get("/readyz")).json()
                assert ready["status"] == "ready"
                assert ready["replication"]["standby"] == "lost"
                assert ready["replication"]["synchronous"] is False
                assert "STANDBY LOST" in ready["replication"]["warning"]
                metrics = (await http.get("/metrics")).text
                assert "cact_ha_standby_lost 1.0" in metrics
                assert "cact_ha_standby_synchronous 0.0" in metrics
                dashboard = (await http.get(page, headers=html)).text
                assert 'id="ha-warning"' in dashboard
                assert "SERVER CADANGAN TERPUTUS" in dashboard
                assert "STANDBY LOST" in dashboard

                await asyncio.to_thread(cluster.start_postgres, cluster.standby)
                await asyncio.to_thread(wait_for, lambda: synchronous(base), 60, "back in sync")
                assert (readyz(base) or {})["replication"]["standby"] == "synchronous"
                assert "ha-warning" not in (await http.get(page, headers=html)).text
                await _save(http, kiosk, items[3], 4)
        finally:
            cluster.kill_all()
