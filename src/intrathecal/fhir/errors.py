"""The FHIR edge's error: what was wrong with incoming content, as OperationOutcome issues."""

from __future__ import annotations

from dataclasses import dataclass

from intrathecal.clinic.errors import ValidationFailed


@dataclass(frozen=True)
class Issue:
    """One problem: its FHIR issue code, the FHIRPath of the element, and what was expected."""

    code: str
    expression: str
    message: str


class FhirContentError(ValidationFailed):
    """Incoming FHIR content that is malformed or not supported; nothing was written."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{i.expression}: {i.message}" for i in issues))


def invalid(expression: str, message: str) -> FhirContentError:
    """One ``invalid`` issue."""
    return FhirContentError([Issue("invalid", expression, message)])


def not_supported(expression: str, message: str) -> FhirContentError:
    """One ``not-supported`` issue."""
    return FhirContentError([Issue("not-supported", expression, message)])
