"""What a role that may not see clinical content gets instead of it.

Schedulers book visits and admins keep the audit trail; neither reads clinical text
(``clinic.permissions``). Reads that serve them pass through here: a visit loses its
notes, and an audit entry's details lose every clinical free-text field by name
(override reasons, notes, findings, adverse-event wording), wherever it is nested. The
stored record and the hash chain are untouched; only what is shown changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from intrathecal.clinic.permissions import sees_clinical_content
from intrathecal.clinic.records import Actor, AuditEntry, Visit

#: Shown in place of withheld clinical text.
WITHHELD = "[withheld: clinical content]"
#: Audit detail fields that hold clinical free text.
CLINICAL_TEXT_FIELDS = frozenset(
    {
        "actions",
        "description",
        "findings",
        "note",
        "notes",
        "outcome",
        "override_reason",
        "reason",
        "resolution",
        "summary",
        "symptoms",
    }
)


def visit_for(actor: Actor, visit: Visit) -> Visit:
    """The visit as ``actor`` may see it: without notes unless their role is clinical."""
    if sees_clinical_content(actor.role) or not visit.notes:
        return visit
    return dataclasses.replace(visit, notes="")


def audit_entry_for(actor: Actor, entry: AuditEntry) -> AuditEntry:
    """The audit entry as ``actor`` may see it: clinical text fields withheld if not clinical."""
    if sees_clinical_content(actor.role):
        return entry
    return dataclasses.replace(entry, details=_redacted(entry.details))


def _redacted(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: WITHHELD if key in CLINICAL_TEXT_FIELDS and value else _nested(value)
        for key, value in details.items()
    }


def _nested(value: Any) -> Any:
    if isinstance(value, Mapping):
        return _redacted(value)
    if isinstance(value, list | tuple):
        return [_nested(item) for item in value]
    return value
