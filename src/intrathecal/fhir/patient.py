"""Patient <-> the clinic's patient record (identity and demographics)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from intrathecal.clinic.records import Patient
from intrathecal.fhir import systems
from intrathecal.fhir.elements import Json, compact, concept, day
from intrathecal.fhir.errors import invalid
from intrathecal.fhir.reading import Node

_ELEMENTS = (
    "resourceType",
    "id",
    "meta",
    "text",
    "identifier",
    "name",
    "gender",
    "birthDate",
    "telecom",
    "active",
)


def to_fhir(patient: Patient) -> Json:
    """The Patient resource; the MRN is the identifier other systems match on."""
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    return compact(
        {
            "resourceType": "Patient",
            "id": str(patient.id),
            "identifier": [mrn_identifier(patient.mrn)],
            "name": [
                {"use": "official", "family": patient.family_name, "given": [patient.given_name]}
            ],
            "telecom": telecom,
            "gender": patient.sex,
            "birthDate": day(patient.birth_date),
        }
    )


def mrn_identifier(mrn: str) -> Json:
    """The clinic's medical record number as an Identifier."""
    return {
        "use": "usual",
        "type": concept(systems.V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
        "system": systems.MRN,
        "value": mrn,
    }


@dataclass(frozen=True)
class IncomingPatient:
    """What an incoming Patient says, in the clinic's terms."""

    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    phone: str
    email: str


def from_fhir(node: Node) -> IncomingPatient:
    """Read a Patient: one MRN identifier, an official name, gender and birth date.

    The MRN is the identifier in this clinic's MRN system, else the one typed ``MR``.
    """
    node.only(_ELEMENTS)
    mrn = _mrn(node)
    names = node.children("name", required=True)
    name = next((n for n in names if n.value.get("use") in (None, "official", "usual")), names[0])
    name.only(("use", "family", "given", "text"))
    gender = node.text("gender", max_len=20)
    if gender not in ("female", "male", "other", "unknown"):
        raise invalid(
            f"{node.path}.gender", f"expected female, male, other or unknown, got {gender!r}"
        )
    phone = email = ""
    for i, contact in enumerate(node.children("telecom")):
        contact.only(("system", "value", "use"))
        kind = contact.text("system", max_len=20)
        if kind == "phone" and not phone:
            phone = contact.text("value", max_len=40)
        elif kind == "email" and not email:
            email = contact.text("value", max_len=200)
        elif kind not in ("phone", "email"):
            raise invalid(f"{node.path}.telecom[{i}].system", "expected phone or email")
    return IncomingPatient(
        mrn=mrn,
        given_name=" ".join(name.strings("given")),
        family_name=name.text("family", max_len=120),
        birth_date=node.date("birthDate"),
        sex=gender,
        phone=phone,
        email=email,
    )


def _mrn(node: Node) -> str:
    identifiers = node.children("identifier", required=True)
    for ident in identifiers:
        if ident.value.get("system") == systems.MRN:
            return ident.text("value", max_len=40)
    for ident in identifiers:
        codes = [
            c.get("code")
            for c in (ident.value.get("type") or {}).get("coding", [])
            if isinstance(c, dict) and c.get("system") == systems.V2_IDENTIFIER_TYPE
        ]
        if "MR" in codes:
            return ident.text("value", max_len=40)
    raise invalid(
        f"{node.path}.identifier",
        f"expected a medical record number (system {systems.MRN} or type MR)",
    )
