"""The SEB configuration CACT writes for a sitting: where SEB starts and quits, and the settings
an exam room needs. Its Config Key is computed from exactly what the file contains."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cact.lockdown import seb

KIOSK_PATH = "/kiosk"
QUIT_PATH = "/kiosk/quit"
EXAM_KEY_PARAM = "exam_key"
ORIGINATOR = "CACT"

# What a lab room needs and SEB does not do by default (keys from the SEB settings reference).
ROOM_SETTINGS: dict[str, Any] = {
    "allowQuit": True,
    "quitURLConfirm": False,
    "sendBrowserExamKey": True,
    # Modern WebView where SEB has it (macOS/iOS): the kiosk page then uses the JavaScript API.
    "browserWindowWebView": 3,
    "browserViewMode": 1,  # full screen
    "mainBrowserWindowWidth": "100%",
    "mainBrowserWindowHeight": "100%",
    "enableBrowserWindowToolbar": False,
    "showReloadButton": True,
    "browserWindowAllowReload": True,
    "showReloadWarning": True,
    "allowBrowsingBackForward": False,
    "newBrowserWindowByLinkPolicy": 0,  # links that open windows are blocked
    "newBrowserWindowByScriptPolicy": 0,
    "allowDownUploads": False,
    "allowSpellCheck": False,
    "allowDictionaryLookup": False,
    "enablePrintScreen": False,
    "allowScreenSharing": False,
    "allowVirtualMachine": False,
    "allowDisplayMirroring": False,
    "allowedDisplaysMaxNumber": 1,
    "enableRightMouse": False,
    "enableZoomPage": True,  # the kiosk's font size control stays usable
    "enableZoomText": True,
    "enableAppSwitcherCheck": True,
    "showTaskBar": True,
    "showTime": True,
    "showInputLanguage": True,
    # The kiosk keeps unsent answers in localStorage: SEB must not wipe it between starts.
    "removeLocalStorage": False,
    "removeBrowserProfile": False,
    "examSessionClearCookiesOnStart": True,
    "examSessionClearCookiesOnEnd": True,
    "sebConfigPurpose": 0,  # starting an exam (not configuring the client)
    "URLFilterEnable": True,
    "URLFilterEnableContentFilter": False,
}


def start_url(base_url: str) -> str:
    return base_url + KIOSK_PATH


def quit_url(base_url: str) -> str:
    return base_url + QUIT_PATH


def app_start_url(base_url: str, secret: str) -> str:
    return f"{base_url}{KIOSK_PATH}?{EXAM_KEY_PARAM}={secret}"


def _filter_rules(base_url: str) -> list[dict[str, Any]]:
    parts = urlsplit(base_url)
    expression = (parts.netloc + parts.path).rstrip("/") + "/*"
    return [{"action": 1, "active": True, "expression": expression, "regex": False}]


def build(base_url: str, *, quit_password_hash: str | None) -> dict[str, Any]:
    """The root dictionary of the sitting's .seb file. Only the address and the quit password
    go in (not the title): a file handed out days before stays valid while they stay."""
    settings: dict[str, Any] = {
        **ROOM_SETTINGS,
        "originatorVersion": ORIGINATOR,  # metadata only: left out of the Config Key
        "startURL": start_url(base_url),
        "quitURL": quit_url(base_url),
        "URLFilterRules": _filter_rules(base_url),
    }
    if quit_password_hash:
        settings["hashedQuitPassword"] = quit_password_hash
        settings["ignoreQuitPassword"] = False
    return settings


def config_key(base_url: str, *, quit_password_hash: str | None) -> str:
    return seb.config_key(build(base_url, quit_password_hash=quit_password_hash))
