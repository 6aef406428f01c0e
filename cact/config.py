"""One validated settings object, read from the environment (prefix ``CACT_``)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import available_timezones

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only"


def parse_networks(value: str) -> list[IPv4Network | IPv6Network]:
    return [ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("cact", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CACT_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; when empty an embedded PostgreSQL is started in data_dir.",
    )
    data_dir: Path = Field(default_factory=default_data_dir)
    secret_key: str = Field(default=DEFAULT_SECRET, repr=False)  # never in a log or an error
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Wait this long for a free database connection, then answer 503 + "
        "Retry-After (the kiosk retries) instead of piling requests up.",
    )
    kiosk_pool_size: int = Field(
        default=20, ge=1, description="Connections per worker for answer saves and heartbeats."
    )
    kiosk_login_concurrency: int = Field(
        default=8,
        ge=1,
        description="Kiosk logins per worker using the database at once; the others wait their "
        "turn (up to the pool time-out, then 503 + Retry-After), so that a start herd leaves "
        "the kiosk pool to the answers of kiosks already working.",
    )
    keep_alive_seconds: int = Field(
        default=75,
        ge=1,
        description="Keep an idle kiosk connection open this long: longer than the heartbeat "
        "(15 s) and a think time, so kiosks do not reconnect for every answer.",
    )
    access_log: bool = Field(
        default=False, description="Log every request (the reverse proxy logs them already)."
    )
    session_hours: float = Field(default=12.0, gt=0)
    # Packages pushed over the network (cact/packages/uploads.py, deploy/packages.md).
    push_max_bytes: int = Field(
        default=1024**3, ge=1024, description="Refuse a pushed package larger than this."
    )
    push_stale_hours: float = Field(
        default=72.0, gt=0, description="Drop an unfinished upload untouched for this long."
    )
    secure_cookies: bool = Field(
        default=False, description="Send staff cookies only over HTTPS (behind the reverse proxy)."
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Free wrong staff logins per (address, account); an address gets 20 times "
        "as many. Beyond them each failure doubles the wait.",
    )
    login_window_seconds: int = Field(
        default=300,
        ge=1,
        description="A login key (account at an address, or an address) forgets its failures "
        "after this many quiet seconds.",
    )
    login_backoff_base_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="The first wait once the free tries are used."
    )
    login_backoff_max_seconds: float = Field(
        default=300.0, gt=0, le=86400, description="The longest wait the doubling reaches."
    )
    save_grace_seconds: float = Field(
        default=10.0, ge=0, le=120, description="Saves accepted this long after a deadline."
    )
    kiosk_login_max_failures: int = Field(
        default=10,
        ge=1,
        description="Free wrong kiosk logins per (address, participant); an address gets 20 "
        "times as many. The back-off and window are the staff login's.",
    )
    sweep_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    log_level: str = "info"
    time_zone: str = Field(
        default="Asia/Jakarta",
        description="IANA zone of the pages not tied to a room (audit log, admin lists); a "
        "room's own zone (room.time_zone) is used for its sittings.",
    )
    embedded_pg_check_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often the app checks that its embedded PostgreSQL runs (and restarts "
        "it when it does not).",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Drop a client that has not sent its request headers this long after "
        "connecting or starting a request (slow or idle clients in direct mode).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, /metrics also answers `Authorization: Bearer <token>` from any "
        "address.",
    )
    metrics_allow: str = Field(
        default="127.0.0.1/32,::1/128",
        description="Comma-separated addresses or networks allowed to read /metrics.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="The address kiosks use to reach this server, as they type it (scheme, "
        "host, port and any path prefix the reverse proxy adds), e.g. https://cact.lab or "
        "http://10.0.0.2:8080. Lockdown browsers hash the URL they asked for: CACT rebuilds "
        "it from this, never from the request's Host header. Needed for a sitting that "
        "requires Safe Exam Browser or an Exam Browser app.",
    )
    hsts_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="Strict-Transport-Security max-age sent on HTTPS requests (0: none).",
    )

    ha_standby_name: str = Field(
        default="",
        pattern=r"^([a-z_][a-z0-9_]{0,62})?$",
        description="The standby's name (its application_name) when this room has a standby "
        "server (deploy/ha); the app then makes commits wait for it while it streams. Empty: "
        "a single server.",
    )
    ha_standby_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="A standby gone this long is given up: the primary goes on alone and says so.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        unsafe = self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        if self.environment != "development" and unsafe:
            raise ValueError(
                "CACT_SECRET_KEY must be a random value of at least 32 characters outside "
                "development; make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        return self

    @field_validator("public_base_url")
    @classmethod
    def _base_url_plain(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("CACT_PUBLIC_BASE_URL must start with http:// or https:// and a host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("CACT_PUBLIC_BASE_URL takes no query, fragment or credentials")
        return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))

    @field_validator("time_zone")
    @classmethod
    def _zone_known(cls, value: str) -> str:
        if value.strip() not in available_timezones():
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Asia/Jakarta)")
        return value.strip()

    @field_validator("metrics_allow")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def metrics_networks(self) -> list[IPv4Network | IPv6Network]:
        return parse_networks(self.metrics_allow)

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"


@lru_cache
def get_settings() -> Settings:
    return Settings()
