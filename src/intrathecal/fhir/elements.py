"""Small FHIR data-type builders shared by the translators: codings, references, exact
quantities in UCUM, ratios, dates. Values stay exact: a quantity's number is the Decimal the
domain's Fraction denotes (0.1 mL stays 0.1), never a float."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from intrathecal.core.quantities import Concentration, Quantity
from intrathecal.fhir import systems

Json = dict[str, Any]

#: Our unit spellings -> UCUM codes (the display keeps our spelling).
_UCUM: Mapping[str, str] = {
    "mcg": "ug",
    "mg": "mg",
    "g": "g",
    "mL": "mL",
    "µL": "uL",
    "day": "d",
    "h": "h",
    "min": "min",
    "s": "s",
    "week": "wk",
    "cm": "cm",
}
#: Significant digits kept for a value whose decimal expansion does not terminate.
_NON_TERMINATING_DIGITS = 15


def exact_decimal(value: Fraction) -> Decimal:
    """The decimal a Fraction denotes; exact whenever its expansion terminates."""
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    with localcontext() as ctx:
        if den == 1:
            ctx.prec = len(str(abs(value.numerator))) + value.denominator.bit_length() + 2
        else:
            ctx.prec = _NON_TERMINATING_DIGITS
        normal = (Decimal(value.numerator) / Decimal(value.denominator)).normalize()
        return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def ucum(unit: str) -> str:
    """The UCUM code of one of our unit spellings (``mcg/day`` -> ``ug/d``)."""
    return "/".join(_UCUM[part] for part in unit.split("/"))


def quantity(q: Quantity, unit: str | None = None) -> Json:
    """A UCUM Quantity with the exact value in ``unit`` (default: the value's own unit)."""
    shown = q.in_unit(unit) if unit else q
    return {
        "value": exact_decimal(shown.magnitude),
        "unit": shown.unit,
        "system": systems.UCUM,
        "code": ucum(shown.unit),
    }


def simple_quantity(value: Fraction | Decimal | int, unit: str) -> Json:
    """A UCUM Quantity from a bare exact number and one of our unit spellings."""
    return {
        "value": exact_decimal(Fraction(value)),
        "unit": unit,
        "system": systems.UCUM,
        "code": ucum(unit),
    }


def strength(c: Concentration) -> Json:
    """A concentration as a Ratio: the mass per 1 of the volume unit (``10 mg`` / ``1 mL``)."""
    mass_unit, volume_unit = c.unit.split("/")
    return {
        "numerator": simple_quantity(c.magnitude, mass_unit),
        "denominator": simple_quantity(1, volume_unit),
    }


def coding(system: str, code: str, display: str | None = None) -> Json:
    """A Coding."""
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> Json:
    """A CodeableConcept with one coding."""
    out: Json = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def ref(resource_type: str, resource_id: str | int, display: str | None = None) -> Json:
    """A literal reference ``Type/id``."""
    out: Json = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def patient_ref(patient_id: int) -> Json:
    """The reference to a patient."""
    return ref("Patient", patient_id)


def instant(moment: datetime) -> str:
    """An aware datetime as a FHIR dateTime/instant."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no timezone")
    return moment.isoformat()


def day(value: date) -> str:
    """A date as a FHIR date."""
    return value.isoformat()


def drug_concept(drug: str) -> Json:
    """A drug named by its catalogue key."""
    return concept(systems.DRUG, drug, drug, drug)


def intrathecal_route() -> Json:
    """SNOMED CT intrathecal route."""
    return concept(systems.SNOMED, systems.SNOMED_INTRATHECAL_ROUTE, "Intrathecal route")


def compact(resource: Json) -> Json:
    """The resource without keys whose value is None or empty (FHIR forbids empty elements)."""
    out: Json = {}
    for key, value in resource.items():
        if value is None or value == [] or value == {} or value == "":
            continue
        out[key] = value
    return out
