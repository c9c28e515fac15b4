"""Response models for public reference data: the drug catalogue, insurers, locations."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from intrathecal.api.fields import format_quantity
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
