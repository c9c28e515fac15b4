"""Settings of the clinic web service: database, cookies, sessions, throttle, body size."""

from __future__ import annotations

from dataclasses import dataclass, field

from intrathecal.clinic.auth_ratelimit import RateLimitPolicy
from intrathecal.storage.db import DEFAULT_SQLITE_FILE

DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_FILE}"
#: Largest request body accepted (1 MiB): the biggest legitimate body, a patient record
#: or a prescription, is a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything ``create_app`` needs to know about its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    session_cookie: str = "intrathecal_session"
    session_hours: int = 12
    cookie_secure: bool = False
    rate_limit: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    fast_password_hashing: bool = False
    trust_forwarded_for: bool = False
    title: str = "intrathecal clinic API"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
