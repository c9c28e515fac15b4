"""ServiceRequest <-> referrals: a referral in for evaluation (an evaluation visit), and the
referral out to a neurosurgeon after a successful trial (export only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intrathecal.clinic.records import Trial, Visit
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, compact, concept, instant, patient_ref, ref
from intrathecal.fhir.errors import invalid, not_supported
from intrathecal.fhir.reading import Node, codings

_ELEMENTS = (
    "resourceType",
    "id",
    "meta",
    "text",
    "status",
    "intent",
    "category",
    "code",
    "subject",
    "occurrenceDateTime",
    "note",
    "authoredOn",
    "requester",
    "reasonCode",
)
#: Visit status -> ServiceRequest status.
_STATUS = {"scheduled": "active", "completed": "completed", "cancelled": "revoked"}
_REFERRAL = concept(systems.SNOMED, systems.SNOMED_PATIENT_REFERRAL, "Patient referral")
EVALUATION = "evaluation"


def evaluation_id(visit: Visit) -> str:
    """The ServiceRequest id of an evaluation visit."""
    return f"visit-{visit.id}"


def evaluation_to_fhir(visit: Visit) -> Json:
    """An evaluation visit as the referral that asked for it."""
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": evaluation_id(visit),
            "status": _STATUS.get(visit.status, "unknown"),
            "intent": "order",
            "category": [_REFERRAL],
            "code": concept(systems.VISIT_KIND, EVALUATION, "Intrathecal therapy evaluation"),
            "subject": patient_ref(visit.patient_id),
            "occurrenceDateTime": instant(visit.scheduled_at),
            "note": [{"text": visit.notes.strip()}] if visit.notes.strip() else [],
        }
    )


def neurosurgery_to_fhir(trial: Trial) -> Json:
    """The referral to a neurosurgeon that a successful trial produced."""
    return {
        "resourceType": "ServiceRequest",
        "id": f"trial-{trial.id}",
        "status": "active",
        "intent": "order",
        "category": [_REFERRAL],
        "code": concept(systems.PROCEDURE, "implant", "Intrathecal pump implant"),
        "subject": patient_ref(trial.patient_id),
        "authoredOn": instant(trial.started_at),
        "performer": [{"display": trial.referral_to}],
        "reasonReference": [ref("Procedure", f"trial-{trial.id}")],
    }


@dataclass(frozen=True)
class IncomingReferral:
    """A referral for evaluation: when the evaluation is wanted and the referrer's note."""

    at: datetime
    note: str


def from_fhir(node: Node) -> IncomingReferral:
    """Read a referral for evaluation (category Patient referral, code evaluation)."""
    node.only(_ELEMENTS)
    if node.text("intent", max_len=20) not in ("order", "original-order", "plan", "proposal"):
        raise invalid(f"{node.path}.intent", "expected order, original-order, plan or proposal")
    if node.text("status", max_len=20) not in ("active", "draft"):
        raise not_supported(f"{node.path}.status", "only active or draft referrals open a visit")
    referral = any(
        c.value.get("system") == systems.SNOMED
        and c.value.get("code") == systems.SNOMED_PATIENT_REFERRAL
        for cat in node.children("category", required=True)
        for c in cat.children("coding", required=True)
    )
    if not referral:
        raise not_supported(
            f"{node.path}.category",
            f"expected a referral (SNOMED CT {systems.SNOMED_PATIENT_REFERRAL} Patient referral)",
        )
    if EVALUATION not in codings(node, "code", systems.VISIT_KIND):
        raise not_supported(
            f"{node.path}.code", f"expected code {EVALUATION!r} in {systems.VISIT_KIND}"
        )
    notes = [n.text("text", max_len=2000) for n in node.children("note")]
    return IncomingReferral(node.moment("occurrenceDateTime"), "\n".join(notes))
