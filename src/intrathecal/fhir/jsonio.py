"""FHIR JSON in and out with exact decimals: numbers are read as Decimal and written as the
Decimal's own digits, so ``0.1`` never passes through a binary float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson

MEDIA_TYPE = "application/fhir+json"


def dumps(document: Any, *, pretty: bool = False) -> str:
    """``document`` as FHIR JSON text; Decimal values keep their exact digits."""
    text: str = simplejson.dumps(
        document,
        use_decimal=True,
        ensure_ascii=False,
        indent=2 if pretty else None,
        separators=None if pretty else (",", ":"),
    )
    return text


def loads(text: str | bytes) -> Any:
    """Parse FHIR JSON; decimals become Decimal, duplicate keys are refused."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    return simplejson.loads(
        text, parse_float=Decimal, object_pairs_hook=no_duplicates, allow_nan=False
    )
