"""Settings of the clinic service, read from ``INTRATHECAL_*`` environment variables.

One pydantic-settings model holds every switch the service, the web pages and the CLI
need; ``intrathecal.bootstrap`` builds it and hands it out. A keyword argument beats the
environment, which beats the default. Lists (hosts, proxies) are comma-separated in the
environment, e.g. ``INTRATHECAL_TRUSTED_PROXIES=10.0.0.5,10.0.1.0/24``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from intrathecal.storage.db import DEFAULT_SQLITE_FILE, normalise_url

ENV_PREFIX = "INTRATHECAL_"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_FILE}"
#: Largest request body accepted (1 MiB): the biggest legitimate body, a patient record
#: or a prescription, is a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

CommaList = Annotated[tuple[str, ...], NoDecode]


class Settings(BaseSettings):
    """Every switch of the clinic service; production values come from the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    database_url: str = Field(DEFAULT_DATABASE_URL, min_length=1)
    title: str = "intrathecal clinic API"

    # --- sessions, tokens, passwords --------------------------------------------------
    session_cookie: str = Field("intrathecal_session", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    session_hours: int = Field(12, ge=1, le=7 * 24)
    token_max_days: int = Field(90, ge=1, le=366)
    cookie_secure: bool = False
    fast_password_hashing: bool = False

    # --- throttles (state in the database) ---------------------------------------------
    login_free_failures: int = Field(3, ge=1, le=100)
    login_backoff_seconds: int = Field(2, ge=1, le=3600)
    login_backoff_max_seconds: int = Field(15 * 60, ge=1, le=24 * 3600)
    login_attempts_per_ip: int = Field(30, ge=1, le=1_000_000)
    appointment_requests_per_ip: int = Field(5, ge=1, le=1_000_000)
    throttle_window_seconds: int = Field(15 * 60, ge=1, le=24 * 3600)

    # --- network edge ---------------------------------------------------------------------
    trusted_proxies: CommaList = ()
    allowed_hosts: CommaList = ("*",)
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    workers: int = Field(1, ge=1, le=64)
    #: Threads per worker process that run requests (blocking database work); each keeps
    #: a database connection open (``storage.db.make_engine``).
    threads: int = Field(16, ge=1, le=256)
    max_body_bytes: int = Field(DEFAULT_MAX_BODY_BYTES, ge=1024, le=64 * 1024 * 1024)
    #: uvicorn's line per request on stderr (method, path, status, address); off by default:
    #: the audit log records who read or changed what, and the line costs every request.
    access_log: bool = False

    # --- audit ----------------------------------------------------------------------------
    #: False only to measure the audit's cost: reads are then not recorded.
    audit_reads: bool = True
    #: The audit chain's HMAC key as hex (64+ digits), or a file holding it; never stored
    #: in the database (see clinic.audit_key).
    audit_key: SecretStr | None = None
    audit_key_file: Path | None = None
    #: DEMO ONLY: without a key, chain with the public demo key (``serve --demo``).
    demo_audit_key: bool = False
    audit_seal_seconds: float = Field(1.0, gt=0, le=3600)

    @field_validator("trusted_proxies", "allowed_hosts", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalise_url(value)

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("TLS needs both tls_certfile and tls_keyfile (or neither)")
        return self

    @property
    def tls(self) -> bool:
        """True when the service terminates TLS itself (certificate and key given)."""
        return self.tls_certfile is not None

    def environment(self) -> dict[str, str]:
        """The explicitly set values as ``INTRATHECAL_*`` variables (for worker processes)."""
        found: dict[str, str] = {}
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                text = value.get_secret_value()
            elif isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            found[ENV_PREFIX + name.upper()] = text
        return found
