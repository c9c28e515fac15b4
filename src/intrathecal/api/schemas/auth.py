"""Request and response models for login, API tokens and user accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from intrathecal.api.fields import ShortText
from intrathecal.clinic.password_policy import MAX_LENGTH, MIN_LENGTH
from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import ApiTokenRecord, UserRecord

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]+$"
    ),
]
LoginPassword = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LENGTH)]
NewPassword = Annotated[str, StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]


class Strict(BaseModel):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    """Credentials for a password login."""

    username: Username
    password: LoginPassword


class UserOut(BaseModel):
    """A login as shown to admins and to the user themself (never the hash)."""

    id: int
    username: str
    role: Role
    display_name: str
    patient_id: int | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: UserRecord) -> UserOut:
        """From a user record."""
        assert user.id is not None
        return cls(
            id=user.id,
            username=user.username,
            role=Role(user.role),
            display_name=user.display_name,
            patient_id=user.patient_id,
            active=user.active,
            created_at=user.created_at,
        )


class SessionOut(BaseModel):
    """The logged-in user and when the session ends."""

    user: UserOut
    expires_at: datetime | None = None
    via: str = Field(description="'session' (cookie) or 'token' (bearer).")


class TokenRequest(Strict):
    """A new API token for the caller."""

    name: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[\w .:-]+$"
        ),
    ]
    days: int = Field(
        default=90,
        ge=1,
        le=366,
        description="Lifetime in days; every token expires (at most the server's "
        "INTRATHECAL_TOKEN_MAX_DAYS, default 90).",
    )


class TokenOut(BaseModel):
    """An API token's metadata (the secret is never shown again)."""

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    last_used_at: datetime | None

    @classmethod
    def of(cls, record: ApiTokenRecord) -> TokenOut:
        """From a token record."""
        assert record.id is not None
        return cls(
            id=record.id,
            name=record.name,
            created_at=record.created_at,
            expires_at=record.expires_at,
            revoked=record.revoked,
            last_used_at=record.last_used_at,
        )


class IssuedTokenOut(TokenOut):
    """A token just created: ``token`` is the bearer secret, shown this once."""

    token: str


class UserCreate(Strict):
    """A new login (admin)."""

    username: Username
    password: NewPassword
    role: Role
    display_name: ShortText = ""
    patient_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class UserPatch(Strict):
    """Enable or disable a login (admin)."""

    active: bool
