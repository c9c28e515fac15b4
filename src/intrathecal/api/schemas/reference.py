"""Response models for public reference data: the drug catalogue, insurers, locations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from intrathecal.api.fields import format_quantity
from intrathecal.clinic.protocols import PatientProtocols, Protocol
from intrathecal.core.catalogue import Drug, Range, Sourced
from intrathecal.core.quantities import Quantity


class SourcedValue(BaseModel):
    """A clinical value with its citation and how sure it is."""

    value: str | None = Field(description="The value with its unit, or null for 'no limit'.")
    source: str
    status: str = Field(description="label | guideline | literature | unverified")
    unverified: bool = Field(description="True: a configurable default, not a verified fact.")
    note: str = ""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Quantity):
        return format_quantity(value)
    if isinstance(value, Range):
        return value.format()
    return str(value)


def sourced(item: Sourced[Any] | None) -> SourcedValue | None:
    """Render a sourced value (or pass through None)."""
    if item is None:
        return None
    return SourcedValue(
        value=_text(item.value),
        source=item.source.short,
        status=item.status.value,
        unverified=item.unverified,
        note=item.note,
    )


class DrugOut(BaseModel):
    """One catalogue drug with its limits under the requested rule set."""

    name: str
    display_name: str
    drug_class: str
    is_opioid: bool
    line_of_therapy: SourcedValue
    trial_bolus: SourcedValue | None
    starting_daily_dose: SourcedValue | None
    max_concentration: SourcedValue
    max_daily_dose: SourcedValue
    concentrations: list[SourcedValue]
    granuloma_concentration: SourcedValue | None
    granuloma_daily_dose: SourcedValue | None
    contraindications: dict[str, SourcedValue]

    @classmethod
    def of(cls, drug: Drug) -> DrugOut:
        """From a catalogue drug."""

        def req(item: Sourced[Any]) -> SourcedValue:
            rendered = sourced(item)
            assert rendered is not None
            return rendered

        return cls(
            name=drug.name,
            display_name=drug.display_name,
            drug_class=drug.drug_class.value,
            is_opioid=drug.is_opioid,
            line_of_therapy=req(drug.line_of_therapy),
            trial_bolus=sourced(drug.trial_bolus),
            starting_daily_dose=sourced(drug.starting_daily_dose),
            max_concentration=req(drug.max_concentration),
            max_daily_dose=req(drug.max_daily_dose),
            concentrations=[req(c) for c in drug.concentrations],
            granuloma_concentration=sourced(drug.granuloma_concentration),
            granuloma_daily_dose=sourced(drug.granuloma_daily_dose),
            contraindications={k: req(v) for k, v in drug.contraindications.items()},
        )


class InsurerOut(BaseModel):
    """An insurance provider the clinic accepts."""

    key: str
    name: str


class LocationOut(BaseModel):
    """A clinic location."""

    code: str
    name: str
    address: str = ""
    phone: str = ""


class ProtocolOut(BaseModel):
    """An emergency protocol or MRI checklist: its steps and where they come from."""

    key: str
    title: str
    applies_to: str
    steps: list[str]
    source: str
    status: str

    @classmethod
    def of(cls, protocol: Protocol) -> ProtocolOut:
        """From the clinic's protocol."""
        return cls(
            key=protocol.key,
            title=protocol.title,
            applies_to=protocol.applies_to,
            steps=list(protocol.steps.value),
            source=protocol.steps.source.citation,
            status=protocol.steps.status.value,
        )


class ProtocolsOut(BaseModel):
    """Emergency protocols and MRI checklists (by pump family); decision support only."""

    emergency: list[ProtocolOut]
    mri: list[ProtocolOut]


class PatientProtocolsOut(BaseModel):
    """The protocols that apply to one patient's therapy and pump."""

    patient_id: int
    emergency: list[ProtocolOut]
    mri: ProtocolOut | None

    @classmethod
    def of(cls, found: PatientProtocols) -> PatientProtocolsOut:
        """From the use case's result."""
        return cls(
            patient_id=found.patient_id,
            emergency=[ProtocolOut.of(p) for p in found.emergency],
            mri=None if found.mri is None else ProtocolOut.of(found.mri),
        )
