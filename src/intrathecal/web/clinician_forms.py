"""Clinician form input: flat HTML form fields turned into what the API input models read.

Browsers post every field as text: an empty optional field means "not given", and a
``datetime-local`` value has no offset (the forms label such times as UTC). These helpers
only reshape text; the API's pydantic models and the use cases do all the checking.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from intrathecal.api.schemas.programming import ProgramIn
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.core.program import Prescription
from intrathecal.core.program_spec import prescription_to_dict

#: ``datetime-local`` format used to prefill time fields.
LOCAL_MINUTES = "%Y-%m-%dT%H:%M"


def given(data: Mapping[str, str], fields: Collection[str]) -> dict[str, str]:
    """The named fields that were filled in (blank ones left out, so defaults apply)."""
    return {k: data[k].strip() for k in fields if data.get(k, "").strip()}


def utc_moment(text: str) -> str:
    """A ``datetime-local`` value (no offset) read as UTC; text with an offset is kept."""
    value = text.strip()
    if len(value) in (16, 19) and "T" in value:
        return value + "+00:00"
    return value


def now_local() -> str:
    """The current UTC minute in ``datetime-local`` form (to prefill a time field)."""
    return datetime.now(UTC).strftime(LOCAL_MINUTES)


def program_spec(data: Mapping[str, str]) -> dict[str, Any]:
    """The prescription spec of the programming form (one drug, continuous basal, optional
    patient bolus); blank bolus fields mean no patient bolus."""
    spec: dict[str, Any] = {
        "solution": [
            {
                "drug": data.get("drug", "").strip().lower(),
                "concentration": data.get("concentration", "").strip(),
            }
        ],
        "basal": {"continuous": data.get("basal_rate", "").strip()},
    }
    bolus = given(data, ("pb_volume", "pb_duration", "pb_lockout", "pb_max_per_day"))
    if bolus:
        spec["patient_bolus"] = {
            "volume": bolus.get("pb_volume", ""),
            "duration": bolus.get("pb_duration", ""),
            "lockout": bolus.get("pb_lockout", ""),
            "max_per_day": _whole(bolus.get("pb_max_per_day", "")),
        }
    return spec


def _whole(text: str) -> int | str:
    """A whole number typed as text, as an int; anything else stays text for the error."""
    return int(text) if text.isdigit() and len(text) <= 4 else text


def program_form(program: Prescription | None) -> dict[str, str]:
    """The programming form prefilled from a stored program (one drug, continuous basal and
    a patient bolus are what the form shows)."""
    if program is None:
        return {}
    spec = prescription_to_dict(program)
    component = spec["solution"][0]
    form = {
        "drug": str(component["drug"]),
        "concentration": str(component["concentration"]),
        "basal_rate": str(spec["basal"].get("continuous", "")),
    }
    bolus = spec.get("patient_bolus")
    if bolus:
        form.update(
            pb_volume=str(bolus["volume"]),
            pb_duration=str(bolus["duration"]),
            pb_lockout=str(bolus["lockout"]),
            pb_max_per_day=str(bolus["max_per_day"]),
        )
    return form


#: Program paths in use-case errors -> the form field that holds them.
PROGRAM_FIELDS: Mapping[str, str] = {
    "solution[0].drug": "drug",
    "solution[0].concentration": "concentration",
    "solution": "concentration",
    "basal.continuous": "basal_rate",
    "basal": "basal_rate",
    "patient_bolus.volume": "pb_volume",
    "patient_bolus.duration": "pb_duration",
    "patient_bolus.lockout": "pb_lockout",
    "patient_bolus.max_per_day": "pb_max_per_day",
    "patient_bolus": "pb_volume",
}


def program_error_field(message: str) -> tuple[str | None, str]:
    """The form field a ``program: <path>: reason`` error belongs to, and the reason."""
    text = message.removeprefix("program:").strip()
    path, sep, reason = text.partition(":")
    if sep:
        for prefix, name in PROGRAM_FIELDS.items():
            if path.strip().startswith(prefix):
                return name, reason.strip()
    return None, message


def read_program(data: Mapping[str, str]) -> Prescription:
    """The typed program of the form, read by the API's ``ProgramIn`` (the same rules);
    a bad entry raises ValidationFailed naming its form field (``field: reason``)."""
    try:
        return ProgramIn.model_validate(program_spec(data)).prescription()
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(
            f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"]
        ).replace(".[", "[")
        name, _ = program_error_field(f"{path}: x")
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ValidationFailed(f"{name or 'program'}: {message}") from None
    except ValidationFailed as exc:
        name, message = program_error_field(str(exc))
        raise ValidationFailed(f"{name or 'program'}: {message}") from None


#: Rows of conservative therapies the evaluation form offers.
THERAPY_ROWS = 3


def evaluation_body(data: Mapping[str, str], contraindications: list[str]) -> dict[str, Any]:
    """The evaluation form as the API's ``EvaluationIn`` reads it (unticked boxes: false)."""
    body: dict[str, Any] = given(data, ("evaluated_on", "indication", "notes"))
    body["conservative_therapies"] = [
        {
            "name": data.get(f"therapy_{i}_name", "").strip(),
            "months": data.get(f"therapy_{i}_months", "").strip() or "0",
            "outcome": data.get(f"therapy_{i}_outcome", "failed"),
        }
        for i in range(THERAPY_ROWS)
        if data.get(f"therapy_{i}_name", "").strip()
    ]
    for box in ("surgery_is_option", "psych_evaluation_done", "psych_cleared"):
        body[box] = data.get(box) == "yes"
    body["contraindications"] = contraindications
    if data.get("life_expectancy_months", "").strip():
        body["life_expectancy_months"] = data["life_expectancy_months"].strip()
    return body


def _pairs(text: str, key: str, value: str) -> list[dict[str, str]]:
    """Lines ``"2 h: 4"`` as ``[{key: "2 h", value: "4"}]``; a line without ``:`` is kept
    whole as the key so the model names the bad entry."""
    rows = []
    for line in text.splitlines():
        if line.strip():
            left, _, right = line.partition(":")
            rows.append({key: left.strip(), value: right.strip()})
    return rows


def trial_body(data: Mapping[str, str]) -> dict[str, Any]:
    """The trial form as the API's ``TrialIn`` reads it: one injection at 0 h, scores and
    side effects one per line (``2 h: 4``, ``pruritus: mild``); for a baclofen screening the
    spasticity scale, the grade before the bolus and grades after it (``2 h: 1``)."""
    body: dict[str, Any] = given(data, ("drug", "method", "baseline_nrs", "referral_to"))
    if data.get("started_at", "").strip():
        body["started_at"] = utc_moment(data["started_at"])
    body["injections"] = [{"dose": data.get("dose", "").strip(), "at": "0 h"}]
    body["scores"] = _pairs(data.get("scores", ""), "at", "nrs")
    body["side_effects"] = _pairs(data.get("side_effects", ""), "effect", "severity")
    improved = data.get("function_improved", "")
    if improved in ("yes", "no"):
        body["function_improved"] = improved == "yes"
    if data.get("spasticity_scale", "").strip():
        body["spasticity"] = {
            "scale": data["spasticity_scale"].strip(),
            "before": [_grade(data.get("spasticity_before", ""))],
            "after": [
                {"at": row["at"], "grade": _grade(row["grade"])}
                for row in _pairs(data.get("spasticity_after", ""), "at", "grade")
            ],
        }
    return body


#: Where the trial form shows an error on a ``TrialIn`` location (see ``forms.validate``).
TRIAL_ERROR_FIELDS = {
    "injections": "dose",
    "spasticity": "spasticity_scale",
    "spasticity.before": "spasticity_before",
    "spasticity.after": "spasticity_after",
}


def _grade(text: str) -> int | str:
    """A spasticity grade as typed: whole points become numbers, anything else (``1+``, a
    typo) stays text for the model to accept or name."""
    text = text.strip()
    return int(text) if text.isdigit() else text


IMPLANT_FIELDS = (
    "implanted_on",
    "hospital",
    "surgeon",
    "hospital_stay_days",
    "pump_model",
    "pump_serial",
    "reservoir",
    "catheter_length_cm",
    "initial_fill",
    "catheter_tip_level",
    "catheter_volume",
    "return_to_work",
    "trial_waived_reason",
)
