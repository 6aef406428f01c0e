"""The SEB configuration CACT writes, and its Config Key recomputed independently from the file
(tests/lockdown/seb_reference.py, written from SEB's documentation)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from cact.config import Settings
from cact.lockdown import seb
from tests.conftest import TEST_SECRET
from tests.fixtures.factories import create_staff, login
from tests.fixtures.sittings import open_sitting
from tests.lockdown import seb_reference as ref

BASE = "https://cact.lab"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test", secret_key=TEST_SECRET, database_url=database_url, public_base_url=BASE
    )


def test_the_reference_orders_keys_as_the_documentation_example() -> None:
    # Orders taken from the example SEB-JSON string on the seb-config-key page.
    keys = ["enableF2", "enableF10", "enableF1", "enableF12", "enableF11", "allowWLAN", "allowWlan"]
    keys += ["urlFilterRegex", "touchOptimized", "URLFilterEnable", "URLFilterEnableContentFilter"]
    keys += ["allowFlashFullscreen", "allowedDisplayBuiltin", "URLFilterRules"]
    text = ref.seb_json(dict.fromkeys(keys, 1))
    order = [part.split(":")[0].strip('{"') for part in text.split(",")]
    assert order == [
        "allowedDisplayBuiltin",
        "allowFlashFullscreen",
        "allowWlan",
        "allowWLAN",
        "enableF1",
        "enableF10",
        "enableF11",
        "enableF12",
        "enableF2",
        "touchOptimized",
        "URLFilterEnable",
        "URLFilterEnableContentFilter",
        "urlFilterRegex",
        "URLFilterRules",
    ]


def test_cact_and_the_reference_agree_on_every_plist_type() -> None:
    settings = {
        "originatorVersion": "SEB_OSX_2.1.4",
        "startURL": "https://cact.lab/kiosk?a=1&b=/c",
        "whitelistURLFilter": r"^.*?:\/\/cact\.lab\/kiosk$",
        "quitURL": "",
        "allowQuit": True,
        "enableF1": False,
        "taskBarHeight": 40,
        "zoomFactor": 1.5,
        "examKeySalt": base64.b64decode("fOwye5rcju6okk1489PNuKKm5VLTObxNAIn35vZNNrc="),
        "lastChange": datetime(2026, 12, 2, 8, 30, tzinfo=UTC),
        "title": 'Ujian "Teknis" — gelombang 3',
        "proxies": {"HTTPEnable": False, "ExceptionsList": [], "Nested": {}},
        "emptyDict": {},
        "permittedProcesses": [{"title": "SEB", "os": 1, "arguments": [], "Empty": {}}, {}],
    }
    data = seb.plist_bytes(settings)
    from_file = ref.settings_from_file(data)
    text = ref.seb_json(from_file)
    assert "originatorVersion" not in text
    assert "emptyDict" not in text and "Nested" not in text and "Empty" not in text
    assert '"examKeySalt":"fOwye5rcju6okk1489PNuKKm5VLTObxNAIn35vZNNrc="' in text
    assert '"lastChange":"2026-12-02T08:30:00+00:00"' in text
    assert r'"whitelistURLFilter":"^.*?:\/\/cact\.lab\/kiosk$"' in text  # no escaping added
    assert '"startURL":"https://cact.lab/kiosk?a=1&b=/c"' in text
    assert '"permittedProcesses":[{"arguments":[],"os":1,"title":"SEB"}]' in text
    assert '"title":"Ujian \\"Teknis\\" — gelombang 3"' in text  # quotes only, UTF-8 kept
    assert ", " not in text and ": " not in text and "\n" not in text
    assert seb.seb_json(seb.read_plist(data)) == text
    assert seb.config_key(seb.read_plist(data)) == ref.config_key(from_file)


def test_request_hashes_match_the_reference_without_the_fragment() -> None:
    key = "a" * 64
    url = "https://cact.lab/api/kiosk/v1/heartbeat"
    assert seb.url_hash(url + "#top", key) == ref.request_hash(url, key)
    assert seb.hash_matches(ref.request_hash(url, key).upper(), url, key)
    assert not seb.hash_matches(ref.request_hash(url + "/", key), url, key)


async def test_the_seb_file_s_config_key_recomputed_from_the_file_is_the_one_enforced(
    client: AsyncClient, db: AsyncSession
) -> None:
    opened = await open_sitting(db)
    await login(client, await create_staff(db, "admin"))
    sitting_id = opened.sitting.id
    put = await client.put(
        f"/api/sittings/{sitting_id}/browser-policy",
        json={"kind": "seb", "check_config_key": True, "quit_password": "keluar-123"},
    )
    assert put.status_code == 200, put.text
    enforced_key = put.json()["config_key"]

    download = await client.get(f"/api/sittings/{sitting_id}/seb-config")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/seb")
    assert ".seb" in download.headers["content-disposition"]
    from_file = ref.settings_from_file(download.content)
    assert from_file["startURL"] == f"{BASE}/kiosk"
    assert from_file["quitURL"] == f"{BASE}/kiosk/quit"
    assert from_file["hashedQuitPassword"] == ref.request_hash("", "keluar-123")
    assert from_file["sendBrowserExamKey"] is True
    assert from_file["originatorVersion"] == "CACT"
    independent = ref.config_key(from_file)
    assert independent == enforced_key == download.headers["x-seb-config-key"]

    # and the server admits exactly the browser that opened this file
    url = f"{BASE}/api/kiosk/v1/login"
    body = {"participant_no": opened.participant_nos[0], "token": opened.token}
    refused = await client.post(url[len(BASE) :], json=body)
    assert refused.status_code == 403, refused.text
    admitted = await client.post(
        url[len(BASE) :], json=body, headers=ref.headers_for(url, config_key=independent)
    )
    assert admitted.status_code == 200, admitted.text


async def test_the_seb_file_needs_the_public_base_url(
    client: AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    opened = await open_sitting(db)
    await login(client, await create_staff(db, "admin"))
    settings.public_base_url = None
    response = await client.get(f"/api/sittings/{opened.sitting.id}/seb-config")
    assert response.status_code == 409
    assert response.json()["error"] == "public_base_url_missing"
    put = await client.put(
        f"/api/sittings/{opened.sitting.id}/browser-policy", json={"kind": "seb"}
    )
    assert put.status_code == 409
    assert "CACT_PUBLIC_BASE_URL" in put.json()["detail"]


def test_the_public_base_url_is_checked_and_kept_in_one_form() -> None:
    def base(value: str) -> str | None:
        return Settings(secret_key=TEST_SECRET, public_base_url=value).public_base_url

    assert base("https://CACT.lab/") == "https://cact.lab"
    assert base("http://192.168.10.2:8080/cact/") == "http://192.168.10.2:8080/cact"
    assert base("  ") is None
    for wrong in ("cact.lab", "ftp://cact.lab", "https://cact.lab/?x=1", "https://u:p@cact.lab"):
        with pytest.raises(ValueError, match="CACT_PUBLIC_BASE_URL"):
            base(wrong)
