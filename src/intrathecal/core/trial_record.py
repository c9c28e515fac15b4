"""A screening-trial record: baseline pain, injections, pain scores and side effects over time.

A baclofen screening also records spasticity (``core.spasticity``): a grade before each
injection and grades after them; records stored before that field existed load without it.

Times are offsets from the first injection (``"0 h"``); the baseline score comes before it.
Pain is the 0-10 numeric rating scale (NRS) in whole or half points. ``trial_record_from_dict``
reads the plain-data (YAML/JSON) form and names the field at fault in every error.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from intrathecal.core.errors import CoreError, InvalidInput
from intrathecal.core.program_spec import quantity_text
from intrathecal.core.quantities import Duration, Mass, format_fraction
from intrathecal.core.spasticity import (
    SpasticityRecord,
    spasticity_from_dict,
    spasticity_to_dict,
)

NRS_MAX = 10


class Severity(enum.Enum):
    """How severe a side effect was; ``NONE`` records that it was checked and absent."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        """0 for none up to 3 for severe, for comparisons."""
        return list(Severity).index(self)


@dataclass(frozen=True)
class PainScore:
    """A 0-10 NRS pain score in whole or half points."""

    value: Fraction

    def __post_init__(self) -> None:
        if not isinstance(self.value, Fraction):
            raise InvalidInput(f"a pain score must be an exact number, got {self.value!r}")
        if not 0 <= self.value <= NRS_MAX:
            raise InvalidInput(
                f"a pain score must lie within 0..{NRS_MAX} (NRS), "
                f"got {format_fraction(self.value)}"
            )
        if (self.value * 2).denominator != 1:
            raise InvalidInput(
                f"a pain score is given in whole or half points, got {format_fraction(self.value)}"
            )

    @classmethod
    def of(cls, raw: object) -> PainScore:
        """Read a score from a number or numeric text (``8``, ``6.5``, ``"7"``)."""
        if isinstance(raw, bool):
            raise InvalidInput(f"a pain score must be a number 0..{NRS_MAX}, got {raw!r}")
        try:
            if isinstance(raw, int):
                value = Fraction(raw)
            elif isinstance(raw, float):
                value = Fraction(Decimal(repr(raw)))
            elif isinstance(raw, str):
                value = Fraction(Decimal(raw.strip()))
            else:
                raise InvalidInput(f"a pain score must be a number 0..{NRS_MAX}, got {raw!r}")
        except (ArithmeticError, ValueError):
            raise InvalidInput(f"a pain score must be a number 0..{NRS_MAX}, got {raw!r}") from None
        return cls(value)

    def __str__(self) -> str:
        return format_fraction(self.value)


@dataclass(frozen=True)
class Injection:
    """One trial injection: drug, dose and when (offset from the first injection)."""

    drug: str
    dose: Mass
    at: Duration

    def __post_init__(self) -> None:
        if not self.drug or self.drug != self.drug.strip().lower():
            raise InvalidInput(f"drug name must be a lower-case catalogue key, got {self.drug!r}")
        if self.dose.is_negative() or self.dose.is_zero():
            raise InvalidInput(f"an injected dose must be above zero, got {self.dose}")
        if self.at.is_negative():
            raise InvalidInput(f"an injection cannot come before the first one, got {self.at}")


@dataclass(frozen=True)
class ScoreObservation:
    """A pain score recorded ``at`` an offset after the first injection."""

    at: Duration
    score: PainScore

    def __post_init__(self) -> None:
        if self.at.is_negative() or self.at.is_zero():
            raise InvalidInput(
                f"post-injection scores need a time after the first injection, got {self.at}; "
                "record the pre-injection score as the baseline"
            )


@dataclass(frozen=True)
class SideEffect:
    """A named side effect with its worst severity, optionally when it was noted."""

    effect: str
    severity: Severity
    at: Duration | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if not self.effect or self.effect != self.effect.strip().lower():
            raise InvalidInput(f"side effect names are lower-case keys, got {self.effect!r}")
        if self.effect == "other" and not self.note.strip():
            raise InvalidInput("a side effect 'other' needs a note saying what it was")
        if self.at is not None and self.at.is_negative():
            raise InvalidInput(
                f"a side effect cannot be noted before the first injection: {self.at}"
            )


@dataclass(frozen=True)
class TrialRecord:
    """Everything recorded during one screening trial."""

    baseline: PainScore
    injections: tuple[Injection, ...]
    scores: tuple[ScoreObservation, ...]
    side_effects: tuple[SideEffect, ...] = ()
    function_improved: bool | None = None
    patient: str = ""
    started_at: datetime | None = None
    spasticity: SpasticityRecord | None = None

    def __post_init__(self) -> None:
        if not self.injections:
            raise InvalidInput("a trial needs at least one injection")
        if not self.injections[0].at.is_zero():
            raise InvalidInput("the first injection defines the trial clock: give it at '0 h'")
        if any(b.at <= a.at for a, b in itertools.pairwise(self.injections)):
            raise InvalidInput("injection times must strictly increase")
        if any(b.at <= a.at for a, b in itertools.pairwise(self.scores)):
            raise InvalidInput("pain score times must strictly increase")
        if self.spasticity is not None and len(self.spasticity.before) != len(self.injections):
            raise InvalidInput(
                f"spasticity.before: one grade per injection, taken just before it: "
                f"{len(self.injections)} injection(s), {len(self.spasticity.before)} grade(s)"
            )

    def last_observed(self) -> Duration:
        """The latest time anything (a score or a side-effect check) was recorded."""
        times = [s.at for s in self.scores] + [e.at for e in self.side_effects if e.at is not None]
        if self.spasticity is not None:
            times += [o.at for o in self.spasticity.after]
        return max(times, key=lambda d: d.to("day"), default=Duration.zero())


# --- plain-data form ---------------------------------------------------------------------


def _at(path: str, exc: CoreError) -> InvalidInput:
    return InvalidInput(f"{path}: {exc}")


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{path}: expected a mapping, got {type(value).__name__}")
    return value


def _list(value: object, path: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InvalidInput(f"{path}: expected a list, got {type(value).__name__}")
    return value


def _known_keys(body: Mapping[str, Any], allowed: Collection[str], path: str) -> None:
    unknown = sorted(set(map(str, body)) - set(allowed))
    if unknown:
        raise InvalidInput(
            f"{path}: unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )


def _required(body: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in body or body[key] is None:
        raise InvalidInput(f"{path}: missing '{key}'")
    return body[key]


def _duration(raw: object, path: str) -> Duration:
    if not isinstance(raw, str):
        raise InvalidInput(
            f"{path}: expected a time offset with its unit such as '2 h', got {raw!r}"
        )
    try:
        return Duration.parse(raw)
    except CoreError as exc:
        raise _at(path, exc) from None


def _mass(raw: object, path: str) -> Mass:
    if not isinstance(raw, str):
        raise InvalidInput(f"{path}: expected a dose with its unit such as '0.2 mg', got {raw!r}")
    try:
        return Mass.parse(raw)
    except CoreError as exc:
        raise _at(path, exc) from None


def _score(raw: object, path: str) -> PainScore:
    try:
        return PainScore.of(raw)
    except CoreError as exc:
        raise _at(path, exc) from None


def _injection(raw: object, path: str, default_drug: str | None) -> Injection:
    body = _mapping(raw, path)
    _known_keys(body, ("drug", "dose", "at"), path)
    drug = body.get("drug", default_drug)
    if not isinstance(drug, str):
        raise InvalidInput(f"{path}: missing 'drug' (or give a trial-level 'drug')")
    dose = _mass(_required(body, "dose", path), f"{path}.dose")
    at = _duration(body.get("at", "0 h"), f"{path}.at")
    try:
        return Injection(drug=drug, dose=dose, at=at)
    except InvalidInput as exc:
        raise _at(path, exc) from None


def _observation(raw: object, path: str) -> ScoreObservation:
    body = _mapping(raw, path)
    _known_keys(body, ("at", "nrs"), path)
    at = _duration(_required(body, "at", path), f"{path}.at")
    score = _score(_required(body, "nrs", path), f"{path}.nrs")
    try:
        return ScoreObservation(at, score)
    except InvalidInput as exc:
        raise _at(path, exc) from None


def _side_effect(raw: object, path: str, known: Collection[str]) -> SideEffect:
    body = _mapping(raw, path)
    _known_keys(body, ("effect", "severity", "at", "note"), path)
    effect = _required(body, "effect", path)
    if not isinstance(effect, str) or effect not in known:
        raise InvalidInput(
            f"{path}.effect: unknown side effect {effect!r}; expected one of "
            f"{', '.join(sorted(known))}"
        )
    severity_raw = _required(body, "severity", path)
    try:
        severity = Severity(severity_raw)
    except ValueError:
        raise InvalidInput(
            f"{path}.severity: expected one of {', '.join(s.value for s in Severity)}, "
            f"got {severity_raw!r}"
        ) from None
    at = body.get("at")
    note = body.get("note", "")
    if not isinstance(note, str):
        raise InvalidInput(f"{path}.note: expected text")
    try:
        return SideEffect(
            effect, severity, None if at is None else _duration(at, f"{path}.at"), note
        )
    except InvalidInput as exc:
        raise _at(path, exc) from None


def trial_record_from_dict(data: object, known_effects: Collection[str]) -> TrialRecord:
    """Read a trial record from its plain-data form (see ``examples/trial-morphine.yaml``)."""
    body = _mapping(data, "trial")
    _known_keys(
        body,
        (
            "patient",
            "drug",
            "started_at",
            "baseline",
            "injections",
            "scores",
            "side_effects",
            "function_improved",
            "spasticity",
        ),
        "trial",
    )
    default_drug = body.get("drug")
    if default_drug is not None and not isinstance(default_drug, str):
        raise InvalidInput("trial.drug: expected a drug name")
    baseline = _mapping(_required(body, "baseline", "trial"), "trial.baseline")
    _known_keys(baseline, ("nrs",), "trial.baseline")
    started = body.get("started_at")
    if started is not None and not isinstance(started, datetime):
        try:
            started = datetime.fromisoformat(str(started))
        except ValueError:
            raise InvalidInput(
                f"trial.started_at: expected a date and time such as 2026-11-20T08:00, "
                f"got {started!r}"
            ) from None
    function = body.get("function_improved")
    if function is not None and not isinstance(function, bool):
        raise InvalidInput("trial.function_improved: expected true or false")
    patient = body.get("patient", "")
    spasticity = body.get("spasticity")
    return TrialRecord(
        baseline=_score(_required(baseline, "nrs", "trial.baseline"), "trial.baseline.nrs"),
        injections=tuple(
            _injection(raw, f"trial.injections[{i}]", default_drug)
            for i, raw in enumerate(
                _list(_required(body, "injections", "trial"), "trial.injections")
            )
        ),
        scores=tuple(
            _observation(raw, f"trial.scores[{i}]")
            for i, raw in enumerate(_list(body.get("scores", []), "trial.scores"))
        ),
        side_effects=tuple(
            _side_effect(raw, f"trial.side_effects[{i}]", known_effects)
            for i, raw in enumerate(_list(body.get("side_effects", []), "trial.side_effects"))
        ),
        function_improved=function,
        patient=str(patient),
        started_at=started,
        spasticity=None
        if spasticity is None
        else spasticity_from_dict(_mapping(spasticity, "trial.spasticity"), "trial.spasticity"),
    )


def trial_record_to_dict(record: TrialRecord) -> dict[str, Any]:
    """The plain-data form of ``record``; ``trial_record_from_dict`` reads it back unchanged."""
    out: dict[str, Any] = {
        "baseline": {"nrs": _score_value(record.baseline)},
        "injections": [
            {"drug": i.drug, "dose": quantity_text(i.dose), "at": quantity_text(i.at)}
            for i in record.injections
        ],
        "scores": [
            {"at": quantity_text(s.at), "nrs": _score_value(s.score)} for s in record.scores
        ],
        "side_effects": [
            {
                "effect": e.effect,
                "severity": e.severity.value,
                **({} if e.at is None else {"at": quantity_text(e.at)}),
                **({"note": e.note} if e.note else {}),
            }
            for e in record.side_effects
        ],
    }
    if record.function_improved is not None:
        out["function_improved"] = record.function_improved
    if record.patient:
        out["patient"] = record.patient
    if record.started_at is not None:
        out["started_at"] = record.started_at.isoformat()
    if record.spasticity is not None:
        out["spasticity"] = spasticity_to_dict(record.spasticity)
    return out


def _score_value(score: PainScore) -> int | float:
    """Whole points as an integer, half points as a float (both exact)."""
    value = score.value
    return int(value) if value.denominator == 1 else float(value)
