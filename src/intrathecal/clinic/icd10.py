"""ICD-10-CM diagnoses checked against the real code set (the ``simple-icd-10-cm`` package).

A code must exist and be complete (a leaf: ``M54.1`` is a category, ``M54.16`` a code);
its description comes from the code set, and a description that contradicts it is refused.
Two codes on one record may not break an Excludes1 note of either (or of their parents),
such as G89.3 (neoplasm related pain) with G89.2x (chronic pain, not elsewhere classified).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Sequence
from types import ModuleType

from intrathecal.clinic.errors import ValidationFailed

_REFERENCE = re.compile(r"\(([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?)(-?)\)")


@functools.cache
def _codes() -> ModuleType:
    with warnings.catch_warnings():  # the package reads its data with a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

    module: ModuleType = simple_icd_10_cm
    return module


def description(code: str, field: str) -> str:
    """The code set's description of a complete code; ValidationFailed naming ``field``."""
    cm = _codes()
    if not cm.is_valid_item(code) or cm.is_chapter_or_block(code):
        raise ValidationFailed(f"{field}: {code!r} is not in the ICD-10-CM code set")
    if not cm.is_leaf(code):
        children = cm.get_children(code)
        raise ValidationFailed(
            f"{field}: {code} ({cm.get_description(code)}) is not a complete code; use one of "
            f"{', '.join(children)}"
        )
    text: str = cm.get_description(code)
    return text


def _excluded(code: str) -> list[tuple[str, bool, str]]:
    """(code or prefix, is prefix, note owner) for the Excludes1 notes of ``code`` and its
    parents."""
    cm = _codes()
    out = []
    for owner in [code, *cm.get_ancestors(code)]:
        if cm.is_chapter_or_block(owner):
            continue
        for note in cm.get_excludes1(owner):
            out += [(m.group(1), bool(m.group(2)), owner) for m in _REFERENCE.finditer(note)]
    return out


def check_excludes1(codes: Sequence[str], field: str) -> None:
    """Refuse two codes that an Excludes1 note says are never coded together."""
    for code in codes:
        for target, prefix, owner in _excluded(code):
            for other in codes:
                if other == code:
                    continue
                if other == target or other.startswith(target if prefix else target + "."):
                    raise ValidationFailed(
                        f"{field}: {code} and {other} are not coded together (Excludes1 of "
                        f"{owner}: {_codes().get_description(owner)})"
                    )


def compatible(codes: Sequence[str]) -> bool:
    """True when no Excludes1 note forbids coding these together."""
    try:
        check_excludes1(codes, "codes")
    except ValidationFailed:
        return False
    return True
