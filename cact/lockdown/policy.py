"""The check itself, pure: what a request shows of its browser, and whether the sitting's
policy admits it (None) or why not (a reason code)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from cact.lockdown import seb
from cact.lockdown.configuration import KIOSK_PATH
from cact.lockdown.models import BrowserKind

# The kiosk page's own copy of what SEB's JavaScript API gave it (builds that send no headers).
HEADER_PAGE_URL = "x-cact-seb-page-url"
HEADER_JS_CONFIG_KEY = "x-cact-seb-configkeyhash"
HEADER_JS_REQUEST_HASH = "x-cact-seb-requesthash"
# The secret of an Exam Browser app's start URL, which the kiosk page sends on every call.
HEADER_EXAM_KEY = "x-cact-exam-key"


class Reason:
    SEB_REQUIRED = "seb_required"  # no SEB keys at all: another browser
    CONFIG_KEY_MISMATCH = "config_key_mismatch"  # another SEB configuration
    BROWSER_EXAM_KEY_MISMATCH = "browser_exam_key_mismatch"  # an SEB build not allowed
    URL_MISMATCH = "url_mismatch"  # hashed for another address than the server's own
    EXAM_APP_REQUIRED = "exam_app_required"  # not the Exam Browser app
    EXAM_KEY_INVALID = "exam_key_invalid"  # the app, but not opened at this sitting's URL
    NOT_CONFIGURED = "server_not_configured"  # CACT_PUBLIC_BASE_URL is not set


ALL_REASONS = (
    Reason.SEB_REQUIRED,
    Reason.CONFIG_KEY_MISMATCH,
    Reason.BROWSER_EXAM_KEY_MISMATCH,
    Reason.URL_MISMATCH,
    Reason.EXAM_APP_REQUIRED,
    Reason.EXAM_KEY_INVALID,
    Reason.NOT_CONFIGURED,
)


@dataclass(frozen=True)
class Enforced:
    """A sitting's policy as the check applies it (the Config Key already computed)."""

    sitting_id: int
    kind: str
    config_key: str | None = None
    browser_exam_keys: frozenset[str] = frozenset()
    user_agent_marker: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class Facts:
    """What one request shows: its URL rebuilt from the public base URL (None when no base URL
    is configured), the URL its Host header names, and the headers."""

    url: str | None
    host_url: str
    base_url: str | None
    headers: Mapping[str, str]

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value.strip() if value and value.strip() else None


def page_is_ours(page_url: str, base_url: str) -> bool:
    """The JavaScript route's page URL must be this server's kiosk page, at its public address."""
    page, base = urlsplit(seb.without_fragment(page_url)), urlsplit(base_url)
    path = page.path.rstrip("/")
    return (
        page.scheme == base.scheme
        and page.netloc.lower() == base.netloc.lower()
        and path == base.path.rstrip("/") + KIOSK_PATH
    )


def _seb(policy: Enforced, facts: Facts) -> str | None:
    config_hash = facts.header(seb.HEADER_CONFIG_KEY)
    request_hash = facts.header(seb.HEADER_REQUEST_HASH)
    if config_hash or request_hash:
        if facts.url is None:
            return Reason.NOT_CONFIGURED
        url, alternative = facts.url, facts.host_url
    else:
        page = facts.header(HEADER_PAGE_URL)
        config_hash = facts.header(HEADER_JS_CONFIG_KEY)
        request_hash = facts.header(HEADER_JS_REQUEST_HASH)
        if page is None or not (config_hash or request_hash):
            return Reason.SEB_REQUIRED
        if facts.base_url is None:
            return Reason.NOT_CONFIGURED
        if not page_is_ours(page, facts.base_url):
            return Reason.URL_MISMATCH
        url, alternative = page, page
    if policy.config_key is not None and not seb.hash_matches(config_hash, url, policy.config_key):
        # The right key hashed with another address: a proxy or base URL set up wrong.
        if seb.hash_matches(config_hash, alternative, policy.config_key):
            return Reason.URL_MISMATCH
        return Reason.CONFIG_KEY_MISMATCH
    if policy.browser_exam_keys and not any(
        seb.hash_matches(request_hash, url, key) for key in policy.browser_exam_keys
    ):
        if any(seb.hash_matches(request_hash, alternative, k) for k in policy.browser_exam_keys):
            return Reason.URL_MISMATCH
        return Reason.BROWSER_EXAM_KEY_MISMATCH
    return None


def _exam_app(policy: Enforced, facts: Facts) -> str | None:
    marker = (policy.user_agent_marker or "").lower()
    if not marker or marker not in (facts.header("user-agent") or "").lower():
        return Reason.EXAM_APP_REQUIRED
    sent = facts.header(HEADER_EXAM_KEY) or ""
    if not policy.secret or not hmac.compare_digest(sent.encode(), policy.secret.encode()):
        return Reason.EXAM_KEY_INVALID
    return None


def refusal(policy: Enforced, facts: Facts) -> str | None:
    """None when the policy admits this request, else the reason it does not."""
    if policy.kind == BrowserKind.SEB:
        return _seb(policy, facts)
    if policy.kind == BrowserKind.EXAM_APP:
        return _exam_app(policy, facts)
    return None
