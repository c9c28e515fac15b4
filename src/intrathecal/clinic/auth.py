"""Authentication use cases: log in, sessions, API tokens and user accounts.

Secrets never rest in the database: a session cookie or API token is 32 random bytes
shown to its holder once; only its SHA-256 is stored (a random 256-bit secret needs no
slow hash). Passwords are argon2id (``auth_passwords``). Every login, logout, account and
token change is written to the audit chain with the acting user, role and address.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from intrathecal.clinic.auth_passwords import check_password, hash_password
from intrathecal.clinic.auth_ratelimit import Throttle
from intrathecal.clinic.errors import (
    ClinicError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from intrathecal.clinic.password_policy import check_new_password
from intrathecal.clinic.permissions import Action, Role, role_may
from intrathecal.clinic.records import Actor, ApiTokenRecord, SessionRecord, UserRecord
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.validation import CONTROL_CHARACTERS

SESSION_PREFIX = "its_"
#: How stale an API token's ``last_used_at`` may get before a request updates it.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
TOKEN_PREFIX = "itk_"
USERNAME_MAX_LENGTH = 80
_USERNAME = re.compile(rf"^[a-z0-9][a-z0-9._-]{{1,{USERNAME_MAX_LENGTH - 1}}}$")


class InvalidCredentials(ClinicError):
    """A login, session or token was not accepted (one message for every cause)."""


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a session or API token secret: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    """A fresh random secret with a recognisable prefix."""
    return prefix + secrets.token_urlsafe(32)


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored and looked up in lower case."""
    return username.strip().lower()


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the user record and the audit actor for this request."""

    user: UserRecord
    actor: Actor
    via: str

    @property
    def role(self) -> Role:
        """The user's role."""
        return Role(self.user.role)

    @property
    def user_id(self) -> int:
        """The user's id."""
        assert self.user.id is not None
        return self.user.id

    @property
    def patient_id(self) -> int | None:
        """For a patient user, the patient record they may see."""
        return self.user.patient_id


@dataclass(frozen=True)
class LoginResult:
    """A new session: the secret for the cookie (shown once) and when it expires."""

    principal: Principal
    session_secret: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: its record and the secret (shown once)."""

    record: ApiTokenRecord
    secret: str


def require_actor(actor: Actor, permission: Action) -> None:
    """Raise PermissionDenied unless the actor's role (or the system itself) may act."""
    if actor.role == "system":
        return
    try:
        role = Role(actor.role)
    except ValueError:
        raise PermissionDenied(
            f"the {actor.role} actor may not perform {permission.value}"
        ) from None
    role_may(role, permission)


def _active(user: UserRecord) -> UserRecord:
    if not user.active:
        raise InvalidCredentials("the account is disabled")
    return user


def _actor(user: UserRecord, ip: str | None) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        ip=ip,
        patient_id=user.patient_id,
    )


class AuthService:
    """Login, session and token checks, with a hasher, a throttle (in the database) and a clock.

    Every API token expires: at most ``token_max_days`` after it was issued, whatever
    the request asked for (a token stored without an expiry counts from its creation).
    """

    def __init__(
        self,
        hasher: PasswordHasher,
        throttle: Throttle,
        session_hours: int = 12,
        clock: Callable[[], datetime] = utcnow,
        token_max_days: int = 90,
    ) -> None:
        self.hasher = hasher
        self.throttle = throttle
        self.session_ttl = timedelta(hours=session_hours)
        self.token_max_age = timedelta(days=token_max_days)
        self.clock = clock

    # --- passwords and sessions -------------------------------------------------------
    def login(self, uow: UnitOfWork, username: str, password: str, ip: str) -> LoginResult:
        """Check the password and open a session; throttled per username and address."""
        # What was typed, made storable: no account has control characters or more than 80
        # characters, so such a name just fails (throttled and audited) like any other.
        name = CONTROL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", normalise_username(username))
        name = name[:USERNAME_MAX_LENGTH]
        with uow:
            self.throttle.before_login(uow, name, ip)
            user = uow.users.by_username(name)
            verdict = check_password(
                user.password_hash if user and user.active else None, password, self.hasher
            )
            if user is None or not user.active or not verdict.ok:
                self.throttle.login_failed(uow, name, ip)
                who = Actor(user_id=None, username=name[:80] or "?", role="public", ip=ip)
                uow.audit.append(who, "auth.login_failed", None, {"username": name[:80]})
                uow.commit()
                raise InvalidCredentials("unknown username or wrong password")
            self.throttle.login_succeeded(uow, name, ip)
            if verdict.new_hash is not None:
                user = replace(user, password_hash=verdict.new_hash)
                uow.users.update(user)
            now = self.clock()
            secret = new_secret(SESSION_PREFIX)
            assert user.id is not None
            uow.sessions.add(
                SessionRecord(
                    id=None,
                    token_hash=secret_hash(secret),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + self.session_ttl,
                    ip=ip,
                )
            )
            actor = _actor(user, ip)
            uow.audit.append(actor, "auth.login", user.patient_id, {"via": "password"})
            uow.commit()
        return LoginResult(Principal(user, actor, "session"), secret, now + self.session_ttl)

    def logout(self, uow: UnitOfWork, session_secret: str, actor: Actor) -> None:
        """Revoke the session behind a cookie (no error if it is already gone)."""
        with uow:
            record = uow.sessions.by_token_hash(secret_hash(session_secret))
            if record is None or record.id is None or record.revoked:
                return
            uow.sessions.revoke(record.id)
            uow.audit.append(actor, "auth.logout", None, {})
            uow.commit()

    def logout_token(self, uow: UnitOfWork, token_secret: str, actor: Actor) -> None:
        """Revoke the bearer token the caller logged out with (no error if already gone)."""
        with uow:
            record = uow.api_tokens.by_token_hash(secret_hash(token_secret))
            if record is None or record.id is None or record.revoked:
                return
            uow.api_tokens.revoke(record.id)
            uow.audit.append(actor, "auth.logout", None, {"token_id": record.id})
            uow.commit()

    def authenticate_session(self, uow: UnitOfWork, secret: str, ip: str) -> Principal:
        """The principal behind a session cookie; InvalidCredentials if unknown or expired."""
        with uow.for_reads():
            found = uow.sessions.with_user(secret_hash(secret))
        if found is None or found[0].revoked or found[0].expires_at <= self.clock():
            raise InvalidCredentials("the session has expired or was revoked; log in again")
        user = _active(found[1])
        return Principal(user, _actor(user, ip), "session")

    def authenticate_token(self, uow: UnitOfWork, secret: str, ip: str) -> Principal:
        """The principal behind a bearer token; InvalidCredentials if unknown or expired.

        One lookup (the token with its user): revocation, expiry and a disabled account
        count on every request."""
        with uow.for_reads():
            found = uow.api_tokens.with_user(secret_hash(secret))
        now = self.clock()
        if found is None or found[0].revoked or self._token_expiry(found[0]) <= now:
            raise InvalidCredentials("the API token is unknown, expired or revoked")
        record, user = found
        user = _active(user)
        # ``last_used_at`` is kept to the minute: a write (and a disk flush) on every
        # request would serialise all token requests on SQLite.
        if record.id is not None and (
            record.last_used_at is None or now - record.last_used_at >= TOKEN_TOUCH_EVERY
        ):
            with uow:
                uow.api_tokens.touch(record.id, now)
                uow.commit()
        return Principal(user, _actor(user, ip), "token")

    def _token_expiry(self, record: ApiTokenRecord) -> datetime:
        bound = record.created_at + self.token_max_age
        return bound if record.expires_at is None else min(record.expires_at, bound)

    # --- API tokens -------------------------------------------------------------------
    def issue_token(
        self, uow: UnitOfWork, principal: Principal, name: str, days: int
    ) -> IssuedToken:
        """Create an API token for the caller, valid ``days``; the secret is returned once."""
        role_may(principal.role, Action.TOKEN_OWN)
        longest = self.token_max_age.days
        if not 1 <= days <= longest:
            raise ValidationFailed(f"days: a token lives 1 to {longest} days, got {days}")
        now = self.clock()
        secret = new_secret(TOKEN_PREFIX)
        with uow:
            record = uow.api_tokens.add(
                ApiTokenRecord(
                    id=None,
                    token_hash=secret_hash(secret),
                    user_id=principal.user_id,
                    name=name,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                )
            )
            uow.audit.append(principal.actor, "auth.token_issued", None, {"token_id": record.id})
            uow.commit()
        return IssuedToken(record, secret)

    def list_tokens(self, uow: UnitOfWork, principal: Principal) -> list[ApiTokenRecord]:
        """The caller's API tokens (hashes only)."""
        with uow:
            return uow.api_tokens.for_user(principal.user_id)

    def revoke_token(self, uow: UnitOfWork, principal: Principal, token_id: int) -> None:
        """Revoke one of the caller's tokens; another user's token is NotFound."""
        with uow:
            mine = {t.id for t in uow.api_tokens.for_user(principal.user_id)}
            if token_id not in mine:
                raise NotFound(f"API token {token_id} not found")
            uow.api_tokens.revoke(token_id)
            uow.audit.append(principal.actor, "auth.token_revoked", None, {"token_id": token_id})
            uow.commit()

    # --- accounts ---------------------------------------------------------------------
    def create_user(
        self,
        uow: UnitOfWork,
        actor: Actor,
        username: str,
        password: str,
        role: Role,
        display_name: str = "",
        patient_id: int | None = None,
    ) -> UserRecord:
        """Create a login (admin use case; the CLI acts as the system actor)."""
        require_actor(actor, Action.USER_MANAGE)
        name = normalise_username(username)
        if not _USERNAME.match(name):
            raise ValidationFailed(
                "a username is 2-80 characters: letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        if role is Role.PATIENT and patient_id is None:
            raise ValidationFailed("a patient login must be linked to a patient record")
        if role is not Role.PATIENT and patient_id is not None:
            raise ValidationFailed("only a patient login is linked to a patient record")
        check_new_password(password, name, display_name)
        encoded = hash_password(password, self.hasher)
        with uow:
            if uow.users.by_username(name) is not None:
                raise Conflict(f"username {name!r} is taken")
            if patient_id is not None:
                uow.patients.get(patient_id)
            user = uow.users.add(
                UserRecord(
                    id=None,
                    username=name,
                    password_hash=encoded,
                    role=role.value,
                    created_at=self.clock(),
                    display_name=display_name,
                    patient_id=patient_id,
                )
            )
            uow.audit.append(
                actor, "user.created", patient_id, {"user_id": user.id, "role": role.value}
            )
            uow.commit()
        return user

    def list_users(self, uow: UnitOfWork, actor: Actor) -> list[UserRecord]:
        """Every login (admin)."""
        require_actor(actor, Action.USER_MANAGE)
        with uow:
            return uow.users.all()

    def set_active(self, uow: UnitOfWork, actor: Actor, user_id: int, active: bool) -> UserRecord:
        """Enable or disable a login (admin).

        Disabling revokes every session and token of the login, so enabling it again
        revives none of them. Nobody disables their own login, and the last active admin
        stays (the admins' rows are locked while this is decided).
        """
        require_actor(actor, Action.USER_MANAGE)
        if not active and actor.user_id == user_id:
            raise Conflict("you cannot disable your own login; ask another admin")
        with uow:
            admins = uow.users.lock_active_admins()
            user = replace(uow.users.get(user_id), active=active)
            if not active and admins == [user_id]:
                raise Conflict("the last active admin cannot be disabled")
            uow.users.update(user)
            details: dict[str, int] = {"user_id": user_id}
            if not active:
                details["sessions_revoked"] = uow.sessions.revoke_for_user(user_id)
                details["tokens_revoked"] = uow.api_tokens.revoke_for_user(user_id)
            action = "user.enabled" if active else "user.disabled"
            uow.audit.append(actor, action, user.patient_id, details)
            uow.commit()
        return user

    def set_role(self, uow: UnitOfWork, actor: Actor, user_id: int, role: Role) -> UserRecord:
        """Change a staff login's role (admin); patients stay patients, nobody changes their own."""
        require_actor(actor, Action.USER_MANAGE)
        with uow:
            user = uow.users.get(user_id)
            if user_id == actor.user_id:
                raise ValidationFailed("role: you cannot change your own role")
            if Role.PATIENT in (Role(user.role), role):
                raise ValidationFailed("role: a patient login cannot change role (or become one)")
            changed = replace(user, role=role.value)
            uow.users.update(changed)
            uow.audit.append(
                actor, "user.role_changed", None, {"user_id": user_id, "role": role.value}
            )
            uow.commit()
        return changed


#: The origin the audit records for a command run on the server itself.
LOCAL_ORIGIN = "cli"


def local_actor(uow: UnitOfWork, username: str) -> Actor:
    """The actor of an active user for a command run on the server itself (the CLI).

    No password: whoever runs it already holds the database. The user's role still decides
    what the command may do, and the audit names them.
    """
    with uow:
        user = uow.users.by_username(normalise_username(username))
    if user is None or not user.active:
        raise ValidationFailed(f"--as: no active user {username!r}")
    return _actor(user, LOCAL_ORIGIN)
