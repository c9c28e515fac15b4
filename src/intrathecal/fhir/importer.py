"""Import of a referral: a transaction Bundle with one Patient and its Conditions, Coverages
and referral ServiceRequests becomes the clinic's own commands, run through its use cases in
ONE transaction (all or nothing). The patient is matched by MRN identifier or registered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from intrathecal.clinic.commands import RegisterPatient, ScheduleVisit, UpdatePatient
from intrathecal.clinic.errors import Conflict
from intrathecal.clinic.patients import register_patient, update_patient
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, Coverage, Diagnosis, Patient
from intrathecal.clinic.scheduling import record_visit
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.fhir import condition, coverage, patient, service_request
from intrathecal.fhir.elements import Json
from intrathecal.fhir.errors import invalid, not_supported
from intrathecal.fhir.one_transaction import OneTransaction
from intrathecal.fhir.patient import IncomingPatient
from intrathecal.fhir.reading import Node
from intrathecal.fhir.service_request import EVALUATION, IncomingReferral

SUPPORTED = ("Patient", "Condition", "Coverage", "ServiceRequest")
_MAX_ENTRIES = 200


@dataclass(frozen=True)
class Referral:
    """The parsed Bundle: who, their diagnoses and coverage, and the evaluations asked for."""

    patient: IncomingPatient
    diagnoses: tuple[Diagnosis, ...]
    coverage: tuple[Coverage, ...]
    referrals: tuple[IncomingReferral, ...]
    entry_types: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    """What the import did, and the transaction-response Bundle that says so."""

    patient_id: int
    created: bool
    visit_ids: tuple[int, ...]
    response: Json


def parse_referral(document: object) -> Referral:
    """Read and check the whole Bundle before anything is written."""
    bundle = Node(document, "Bundle")
    bundle.only(("resourceType", "id", "meta", "type", "entry", "timestamp", "identifier"))
    if bundle.value.get("resourceType") != "Bundle":
        raise invalid("Bundle.resourceType", "expected a Bundle")
    if bundle.text("type", max_len=40) != "transaction":
        raise not_supported("Bundle.type", "expected a transaction Bundle")
    entries = bundle.children("entry", required=True)
    if len(entries) > _MAX_ENTRIES:
        raise invalid("Bundle.entry", f"at most {_MAX_ENTRIES} entries")
    resources = [_entry(e) for e in entries]
    patients = [r for r in resources if r.value["resourceType"] == "Patient"]
    if len(patients) != 1:
        raise invalid("Bundle.entry", f"expected exactly one Patient, got {len(patients)}")
    aliases = _patient_aliases(entries, patients[0])
    diagnoses, coverages, referrals = [], [], []
    for r in resources:
        kind = r.value["resourceType"]
        if kind == "Condition":
            _subject(r, "subject", aliases)
            diagnoses.append(condition.from_fhir(r))
        elif kind == "Coverage":
            _subject(r, "beneficiary", aliases)
            coverages.append(coverage.from_fhir(r))
        elif kind == "ServiceRequest":
            _subject(r, "subject", aliases)
            referrals.append(service_request.from_fhir(r))
    return Referral(
        patient=patient.from_fhir(patients[0]),
        diagnoses=tuple(diagnoses),
        coverage=tuple(coverages),
        referrals=tuple(referrals),
        entry_types=tuple(r.value["resourceType"] for r in resources),
    )


def _entry(entry: Node) -> Node:
    entry.only(("fullUrl", "resource", "request"))
    request = entry.child("request")
    request.only(("method", "url", "ifNoneExist"))
    if request.text("method", max_len=10) not in ("POST", "PUT"):
        raise not_supported(f"{request.path}.method", "only POST and PUT entries are accepted")
    resource = entry.child("resource")
    kind = resource.value.get("resourceType")
    if kind not in SUPPORTED:
        raise not_supported(
            f"{resource.path}.resourceType",
            f"{kind!r} is not imported; supported: {', '.join(SUPPORTED)}",
        )
    return resource


def _patient_aliases(entries: Sequence[Node], patient_node: Node) -> set[str]:
    aliases: set[str] = set()
    for entry in entries:
        if entry.value["resource"] is patient_node.value:
            if isinstance(entry.value.get("fullUrl"), str):
                aliases.add(entry.value["fullUrl"])
            if isinstance(patient_node.value.get("id"), str):
                aliases.add(f"Patient/{patient_node.value['id']}")
    return aliases


def _subject(node: Node, key: str, aliases: set[str]) -> None:
    target = node.child(key).value.get("reference")
    if target not in aliases:
        raise invalid(
            f"{node.path}.{key}.reference", "expected a reference to the Bundle's Patient"
        )


def import_referral(uow: UnitOfWork, actor: Actor, document: object) -> ImportResult:
    """Match or register the patient, record diagnoses and coverage, open an evaluation
    visit per referral; one transaction: an error anywhere writes nothing."""
    require(actor, "patient.register")
    referral = parse_referral(document)
    incoming = referral.patient
    with uow:
        joined = OneTransaction(uow)
        existing = uow.patients.by_mrn(incoming.mrn)
        if existing is None:
            stored = register_patient(joined, _register(referral), actor)
        else:
            stored = _merge(joined, existing, referral, actor)
        assert stored.id is not None
        visits = [
            record_visit(
                joined,
                ScheduleVisit(stored.id, EVALUATION, r.at, notes=r.note),
                actor,
            )
            for r in referral.referrals
        ]
        visit_ids = tuple(v.id for v in visits if v.id is not None)
        uow.audit.append(
            actor,
            "fhir.imported",
            stored.id,
            {
                "created": existing is None,
                "entries": list(referral.entry_types),
                "visits": list(visit_ids),
            },
        )
        uow.commit()
    return ImportResult(
        stored.id,
        existing is None,
        visit_ids,
        _response(stored, existing is None, visit_ids, referral),
    )


def _register(referral: Referral) -> RegisterPatient:
    p = referral.patient
    return RegisterPatient(
        mrn=p.mrn,
        given_name=p.given_name,
        family_name=p.family_name,
        birth_date=p.birth_date,
        sex=p.sex,
        phone=p.phone,
        email=p.email,
        diagnoses=referral.diagnoses,
        coverage=referral.coverage,
    )


def _merge(uow: UnitOfWork, existing: Patient, referral: Referral, actor: Actor) -> Patient:
    p = referral.patient
    if (existing.birth_date, existing.family_name.lower()) != (p.birth_date, p.family_name.lower()):
        raise Conflict(
            f"MRN {p.mrn} belongs to a patient with another family name or birth date; "
            "nothing was imported"
        )
    known = {d.code for d in existing.diagnoses}
    has_primary = any(d.primary for d in existing.diagnoses)
    added = tuple(
        replace(d, primary=d.primary and not has_primary)
        for d in referral.diagnoses
        if d.code.strip().upper() not in known
    )
    held = {(c.insurer, c.member_id) for c in existing.coverage}
    new_coverage = tuple(c for c in referral.coverage if (c.insurer, c.member_id) not in held)
    if not added and not new_coverage:
        return existing
    assert existing.id is not None
    return update_patient(
        uow,
        UpdatePatient(
            existing.id,
            existing.version,
            diagnoses=existing.diagnoses + added,
            coverage=existing.coverage + new_coverage,
        ),
        actor,
    )


def _response(
    stored: Patient, created: bool, visit_ids: tuple[int, ...], referral: Referral
) -> Json:
    pid = stored.id
    assert pid is not None
    entries: list[dict[str, Any]] = []
    visits = iter(visit_ids)
    diagnoses = iter(referral.diagnoses)
    coverages = iter(referral.coverage)
    held = [(c.insurer, c.member_id) for c in stored.coverage]
    for kind in referral.entry_types:
        if kind == "Patient":
            entries.append(_done("201 Created" if created else "200 OK", f"Patient/{pid}"))
        elif kind == "ServiceRequest":
            entries.append(_done("201 Created", f"ServiceRequest/visit-{next(visits)}"))
        elif kind == "Condition":
            code = next(diagnoses).code.strip().upper()
            entries.append(_done("200 OK", f"Condition/{condition.resource_id(pid, code)}"))
        else:
            c = next(coverages)
            index = held.index((c.insurer, c.member_id.strip())) + 1
            entries.append(_done("200 OK", f"Coverage/{coverage.resource_id(pid, index)}"))
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


def _done(status: str, location: str) -> Json:
    return {"response": {"status": status, "location": location}}
