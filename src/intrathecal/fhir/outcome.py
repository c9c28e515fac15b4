"""OperationOutcome resources for refused requests."""

from __future__ import annotations

from collections.abc import Iterable

from intrathecal.fhir.elements import Json
from intrathecal.fhir.errors import Issue


def operation_outcome(issues: Iterable[Issue], severity: str = "error") -> Json:
    """An OperationOutcome listing each issue with its FHIRPath expression."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": severity,
                "code": issue.code,
                "diagnostics": issue.message,
                **({"expression": [issue.expression]} if issue.expression else {}),
            }
            for issue in issues
        ],
    }
