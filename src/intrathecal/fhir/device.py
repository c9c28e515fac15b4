"""Device <- the implanted pump and its catheter (US Core Implantable Device shape: type,
patient, serial and model; the catheter's ``parent`` is the pump). Export only."""

from __future__ import annotations

from intrathecal.clinic.pathway import pump_models
from intrathecal.clinic.records import Implant
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, concept, patient_ref, quantity, ref, simple_quantity


def pump_id(implant_id: int | None) -> str:
    """The Device id of an implant's pump."""
    return f"pump-{implant_id}"


def catheter_id(implant_id: int | None) -> str:
    """The Device id of an implant's catheter."""
    return f"catheter-{implant_id}"


def _status(implant: Implant) -> str:
    return "active" if implant.active else "inactive"


def _prop(code: str, display: str, value: Json) -> Json:
    return {"type": concept(systems.DEVICE_PROPERTY, code, display), "valueQuantity": [value]}


def pump_to_fhir(implant: Implant) -> Json:
    """The pump: model, serial number, reservoir volume."""
    model = pump_models().get(implant.pump_model, implant.pump_model)
    return {
        "resourceType": "Device",
        "id": pump_id(implant.id),
        "status": _status(implant),
        "serialNumber": implant.pump_serial,
        "deviceName": [{"name": model, "type": "model-name"}],
        "modelNumber": implant.pump_model,
        "type": concept(systems.DEVICE_KIND, "intrathecal-pump", "Implanted intrathecal pump"),
        "property": [_prop("reservoir", "Reservoir volume", quantity(implant.reservoir))],
        "patient": patient_ref(implant.patient_id),
    }


def catheter_to_fhir(implant: Implant) -> Json:
    """The intrathecal catheter: length, internal volume, tip level; its parent is the pump."""
    return {
        "resourceType": "Device",
        "id": catheter_id(implant.id),
        "status": _status(implant),
        "type": concept(
            systems.DEVICE_KIND,
            "intrathecal-catheter",
            "Intrathecal catheter",
            text=f"tip at {implant.catheter_tip_level}",
        ),
        "property": [
            _prop("length", "Catheter length", simple_quantity(implant.catheter_length_cm, "cm")),
            _prop("volume", "Catheter volume", quantity(implant.catheter_volume)),
        ],
        "patient": patient_ref(implant.patient_id),
        "parent": ref("Device", pump_id(implant.id)),
    }
