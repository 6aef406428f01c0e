"""The browser policy as the admin API takes and gives it."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cact.lockdown.models import BrowserKind

HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_BROWSER_EXAM_KEYS = 50


class BrowserPolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: BrowserKind = BrowserKind.ANY
    check_config_key: bool = Field(
        default=True, description="SEB: require the Config Key of the configuration CACT writes."
    )
    browser_exam_keys: list[str] = Field(
        default_factory=list,
        max_length=MAX_BROWSER_EXAM_KEYS,
        description="SEB: the Browser Exam Keys allowed (one per SEB build in the lab), hex.",
    )
    quit_password: str | None = Field(
        default=None,
        min_length=4,
        max_length=200,
        description="SEB: the password that quits SEB (kept only as its SHA-256). Empty keeps "
        "the stored one.",
    )
    clear_quit_password: bool = False
    user_agent_marker: str | None = Field(
        default=None,
        min_length=3,
        max_length=100,
        description="Exam Browser app: text its User-Agent contains (e.g. ExamBrowser).",
    )
    new_secret: bool = Field(
        default=False, description="Exam Browser app: make a new secret for the start URL."
    )

    @field_validator("browser_exam_keys")
    @classmethod
    def _hex_keys(cls, keys: list[str]) -> list[str]:
        cleaned = []
        for key in keys:
            value = key.strip().lower()
            if not HEX64.match(value):
                raise ValueError(
                    "a Browser Exam Key is 64 hexadecimal characters (SEB shows it in the "
                    "Exam pane) / Browser Exam Key harus 64 karakter heksadesimal"
                )
            if value not in cleaned:
                cleaned.append(value)
        return cleaned

    @field_validator("user_agent_marker")
    @classmethod
    def _marker(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None

    @model_validator(mode="after")
    def _complete(self) -> BrowserPolicyUpdate:
        if self.kind == BrowserKind.SEB and not (self.check_config_key or self.browser_exam_keys):
            raise ValueError(
                "SEB needs the Config Key check, Browser Exam Keys, or both / "
                "SEB memerlukan pemeriksaan Config Key, Browser Exam Key, atau keduanya"
            )
        if self.kind == BrowserKind.EXAM_APP and not self.user_agent_marker:
            raise ValueError(
                "an Exam Browser app needs its User-Agent marker / "
                "aplikasi Exam Browser memerlukan penanda User-Agent"
            )
        return self


class BrowserPolicyRead(BaseModel):
    sitting_id: int
    kind: BrowserKind
    check_config_key: bool
    browser_exam_keys: list[str]
    quit_password_set: bool
    user_agent_marker: str | None
    config_key: str | None = Field(description="SEB: the Config Key CACT enforces.")
    start_url: str | None = Field(description="Where the lockdown browser opens the kiosk.")
    quit_url: str | None
    seb_file_url: str | None = Field(description="SEB: the .seb file to download.")
    public_base_url: str | None
    updated_at: datetime | None
    updated_by: str | None
