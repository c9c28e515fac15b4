"""AdverseEvent <- an adverse event in one of the seed's eleven risk categories (export only)."""

from __future__ import annotations

from collections.abc import Mapping

from intrathecal.clinic.events import CATEGORIES
from intrathecal.clinic.records import AdverseEvent
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, coding, concept, day, instant, patient_ref, ref

#: Our outcome -> adverse-event-outcome code.
_OUTCOME: Mapping[str, str] = {
    "ongoing": "ongoing",
    "resolved": "resolved",
    "resolved_with_sequelae": "resolvedWithSequelae",
    "fatal": "fatal",
    "unknown": "unknown",
}
#: Our severities above "severe" are severe and serious in FHIR's scale.
_SERIOUS = ("life_threatening", "fatal")
#: Categories that are device problems, and the device they implicate.
_DEVICE_CATEGORIES: Mapping[str, str] = {
    "catheter_fault": "catheter",
    "granuloma": "catheter",
    "programming_error": "pump",
}


def to_fhir(event: AdverseEvent, implant_id: int | None) -> Json:
    """The event: category, what happened, severity, seriousness, outcome, suspect device."""
    severity = "severe" if event.severity in _SERIOUS else event.severity
    resource: Json = {
        "resourceType": "AdverseEvent",
        "id": str(event.id),
        "actuality": "actual",
        "event": {
            "coding": [coding(systems.ADVERSE_EVENT, event.category, CATEGORIES[event.category])],  # type: ignore[index]
            "text": event.description,
        },
        "subject": patient_ref(event.patient_id),
        "date": day(event.onset),
        "recordedDate": instant(event.recorded_at),
        "severity": concept(
            systems.AE_SEVERITY,
            severity,
            severity.capitalize(),
            text=event.severity.replace("_", " "),
        ),
        "outcome": concept(systems.AE_OUTCOME, _OUTCOME[event.outcome]),
    }
    if event.severity in _SERIOUS:
        resource["seriousness"] = concept(systems.AE_SERIOUSNESS, "Serious", "Serious")
    if event.category in _DEVICE_CATEGORIES:
        resource["category"] = [concept(systems.AE_CATEGORY, "product-problem", "Product Problem")]
        if implant_id is not None:
            kind = _DEVICE_CATEGORIES[event.category]
            resource["suspectEntity"] = [{"instance": ref("Device", f"{kind}-{implant_id}")}]
    if event.recorded_by is not None:
        resource["recorder"] = ref("Practitioner", event.recorded_by)
    return resource
