"""The audit chain's HMAC key: from the environment or a key file, never from the database.

``INTRATHECAL_AUDIT_KEY`` holds the key as hex (at least 32 bytes), or
``INTRATHECAL_AUDIT_KEY_FILE`` names a file holding it (hex, or at least 32 raw bytes); the
settings read them. Demo mode alone falls back to a fixed, public key that proves nothing:
it is labelled so wherever it is used.
"""

from __future__ import annotations

from pathlib import Path

from intrathecal.clinic.errors import ValidationFailed

KEY_ENV = "INTRATHECAL_AUDIT_KEY"
KEY_FILE_ENV = "INTRATHECAL_AUDIT_KEY_FILE"
MIN_KEY_BYTES = 32
#: DEMO ONLY: public, so a chain sealed with it can be forged by anyone.
DEMO_KEY = b"intrathecal DEMO audit key - public, proves nothing"


def parse_key(raw: bytes, where: str) -> bytes:
    """A key from hex text, or raw bytes; ValidationFailed when shorter than 32 bytes."""
    text = raw.strip()
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = raw
    if len(key) < MIN_KEY_BYTES:
        raise ValidationFailed(
            f"{where}: the audit key must be at least {MIN_KEY_BYTES} bytes "
            f"(64 hex digits), got {len(key)}"
        )
    return key


def resolve_audit_key(
    key_hex: str | None, key_file: Path | None, *, demo: bool = False
) -> bytes | None:
    """The key given as hex or in a file; the demo key only when ``demo``; else None."""
    if key_hex:
        return parse_key(key_hex.encode(), KEY_ENV)
    if key_file is not None:
        try:
            raw = key_file.read_bytes()
        except OSError as exc:
            raise ValidationFailed(
                f"{KEY_FILE_ENV}: cannot read {key_file}: {exc.strerror}"
            ) from None
        return parse_key(raw, f"{KEY_FILE_ENV} ({key_file})")
    return DEMO_KEY if demo else None


def require_key(key: bytes | None) -> bytes:
    """``key``, or ValidationFailed saying how to configure one."""
    if key is None:
        raise ValidationFailed(
            f"no audit key: set {KEY_ENV} (64+ hex digits) or {KEY_FILE_ENV} "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))' > audit.key); "
            "a database made by `serve --demo` is keyed with the demo key: add --demo-key"
        )
    return key
