"""Strict reading of incoming FHIR JSON: each accessor names the element's FHIRPath in its
error, and unknown elements are refused rather than silently dropped."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from intrathecal.fhir.errors import invalid, not_supported


class Node:
    """A JSON object at a FHIRPath (``Patient.name[0]``)."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise invalid(path, f"expected a JSON object, got {type(value).__name__}")
        self.value: dict[str, Any] = value
        self.path = path

    def only(self, allowed: Collection[str]) -> None:
        """Refuse elements this importer does not understand."""
        for key in self.value:
            if key not in allowed:
                raise not_supported(f"{self.path}.{key}", "element not supported by this importer")

    def has(self, key: str) -> bool:
        """True when the element is present."""
        return key in self.value

    def child(self, key: str) -> Node:
        """A required object element."""
        return Node(self._required(key), f"{self.path}.{key}")

    def children(self, key: str, required: bool = False) -> list[Node]:
        """An array of objects (empty when absent and not required)."""
        raw = self.value.get(key)
        if raw is None:
            if required:
                raise invalid(f"{self.path}.{key}", "required")
            return []
        if not isinstance(raw, list) or not raw:
            raise invalid(f"{self.path}.{key}", "expected a non-empty array")
        return [Node(item, f"{self.path}.{key}[{i}]") for i, item in enumerate(raw)]

    def text(self, key: str, required: bool = True, max_len: int = 4000) -> str:
        """A string element."""
        raw = self.value.get(key)
        if raw is None and not required:
            return ""
        raw = self._required(key)
        if not isinstance(raw, str) or not raw.strip():
            raise invalid(f"{self.path}.{key}", "expected a non-empty string")
        if len(raw) > max_len:
            raise invalid(f"{self.path}.{key}", f"at most {max_len} characters")
        return raw

    def strings(self, key: str) -> list[str]:
        """An array of strings."""
        raw = self._required(key)
        if (
            not isinstance(raw, list)
            or not raw
            or not all(isinstance(s, str) and s.strip() for s in raw)
        ):
            raise invalid(f"{self.path}.{key}", "expected a non-empty array of strings")
        return list(raw)

    def boolean(self, key: str) -> bool:
        """A boolean element."""
        raw = self._required(key)
        if not isinstance(raw, bool):
            raise invalid(f"{self.path}.{key}", "expected true or false")
        return raw

    def date(self, key: str) -> date:
        """A full date (YYYY-MM-DD)."""
        raw = self.text(key)
        try:
            return date.fromisoformat(raw) if len(raw) == 10 else _bad()
        except ValueError:
            raise invalid(
                f"{self.path}.{key}", f"expected a date YYYY-MM-DD, got {raw!r}"
            ) from None

    def moment(self, key: str) -> datetime:
        """A dateTime with a time and a timezone."""
        raw = self.text(key)
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            value = None
        if value is None or "T" not in raw or value.tzinfo is None:
            raise invalid(f"{self.path}.{key}", f"expected a dateTime with a timezone, got {raw!r}")
        return value

    def _required(self, key: str) -> Any:
        if key not in self.value or self.value[key] is None:
            raise invalid(f"{self.path}.{key}", "required")
        return self.value[key]


def _bad() -> date:
    raise ValueError("not a full date")


def codings(node: Node, key: str, system: str) -> list[str]:
    """The codes of ``system`` in the CodeableConcept ``key``."""
    found = []
    for c in node.child(key).children("coding", required=True):
        if c.value.get("system") == system:
            found.append(c.text("code", max_len=64))
    return found
