"""Settings of the clinic web service: database, cookies, session lifetime, login throttle."""

from __future__ import annotations

from dataclasses import dataclass, field

from intrathecal.clinic.auth_ratelimit import RateLimitPolicy
from intrathecal.storage.db import DEFAULT_SQLITE_FILE

DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_FILE}"


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
