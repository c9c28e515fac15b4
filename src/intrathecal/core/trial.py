"""Screening-trial evaluation: pain relief, side effects, outcome and the next step.

Relief is the percentage fall of the NRS score from baseline. The outcome follows a named
rule from ``data/trial.yaml``, checked in this order so that more relief can never turn a
success into a failure:

1. a side effect above the tolerated severity (or any disqualifying one) -> failure;
2. missing evidence (no post-injection scores, a zero baseline, observation shorter than the
   rule's minimum after the last injection, a sustain window the scores do not span, or
   function not recorded when the rule needs it) -> inconclusive;
3. relief (best, or sustained over the rule's window) at or above the threshold, with
   improved function when required -> success; otherwise failure.

A screening with a drug judged on spasticity (baclofen, ``spasticity_response`` in the data
file) is never decided on NRS: after the side-effect check, the spasticity grade's drop held
over the window decides it (``core.spasticity_response``); without grades it is
inconclusive and says that spasticity scores are required.

A success recommends referral to a neurosurgeon for the permanent implant.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.errors import InvalidInput
from intrathecal.core.held import held_over
from intrathecal.core.quantities import Duration, format_fraction
from intrathecal.core.spasticity_response import (
    SpasticityEvaluation,
    evaluate_spasticity,
    judged_on_spasticity,
)
from intrathecal.core.trial_config import TrialConfig, TrialRule, load_trial_config
from intrathecal.core.trial_record import (
    Injection,
    PainScore,
    SideEffect,
    TrialRecord,
)

REFERRAL = "refer to a neurosurgeon for permanent pump implantation"


class Outcome(enum.Enum):
    """The trial verdict."""

    SUCCESS = "success"
    FAILURE = "failure"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ReliefPoint:
    """One post-injection score and its relief from baseline."""

    at: Duration
    score: PainScore
    relief_percent: Fraction


@dataclass(frozen=True)
class InjectionResult:
    """Best relief seen between one injection and the next (or the end of the record)."""

    injection: Injection
    best_relief_percent: Fraction | None


@dataclass(frozen=True)
class TrialEvaluation:
    """The evaluation of one trial record under one rule."""

    rule: TrialRule
    outcome: Outcome
    reasons: tuple[str, ...]
    baseline: PainScore
    relief: tuple[ReliefPoint, ...]
    best_relief_percent: Fraction | None
    best_relief_at: Duration | None
    sustained_relief_percent: Fraction | None
    observed_after_last_injection: Duration
    per_injection: tuple[InjectionResult, ...]
    effective_injection: Injection | None
    limiting_side_effects: tuple[SideEffect, ...]
    recommendation: str
    unverified_parameters: tuple[str, ...]
    spasticity: SpasticityEvaluation | None = None


def relief_percent(baseline: PainScore, score: PainScore) -> Fraction:
    """Percentage fall from ``baseline`` to ``score`` (negative when pain rose)."""
    if baseline.value == 0:
        raise InvalidInput("relief is undefined for a baseline pain score of 0")
    return (baseline.value - score.value) / baseline.value * 100


def sustained_relief(points: Sequence[ReliefPoint], window: Duration) -> Fraction | None:
    """The highest relief held at every score across some span of at least ``window``."""
    return held_over([(p.at, p.relief_percent) for p in points], window)


def _pct(value: Fraction) -> str:
    return f"{format_fraction(value, 4)} %"


def _per_injection(record: TrialRecord, points: Sequence[ReliefPoint]) -> list[InjectionResult]:
    results = []
    for index, injection in enumerate(record.injections):
        end = record.injections[index + 1].at if index + 1 < len(record.injections) else None
        inside = [
            p.relief_percent for p in points if p.at > injection.at and (end is None or p.at <= end)
        ]
        results.append(InjectionResult(injection, max(inside, default=None)))
    return results


def _limiting_effects(
    record: TrialRecord, rule: TrialRule, config: TrialConfig
) -> list[tuple[SideEffect, str]]:
    limiting = []
    tolerated = rule.max_tolerated_severity.value
    for effect in record.side_effects:
        floor = config.disqualifying_effects.get(effect.effect)
        if floor is not None and effect.severity.rank >= floor.value.rank:
            limiting.append(
                (
                    effect,
                    f"{effect.effect} ({effect.severity.value}) fails a trial at any "
                    f"severity from {floor.value.value} {floor.tag()}",
                )
            )
        elif effect.severity.rank > tolerated.rank:
            limiting.append(
                (
                    effect,
                    f"{effect.effect} ({effect.severity.value}) is above the tolerated "
                    f"severity '{tolerated.value}' {rule.max_tolerated_severity.tag()}",
                )
            )
    return limiting


def _missing_evidence(
    record: TrialRecord, rule: TrialRule, observed: Duration, sustained: Fraction | None
) -> list[str]:
    missing = []
    if not record.scores:
        missing.append("no pain scores were recorded after the injection")
    if record.baseline.value == 0:
        missing.append("the baseline pain score is 0: there is no pain to relieve")
    minimum = rule.min_observation
    if observed < minimum.value:
        missing.append(
            f"observed {observed.format('h', 4)} after the last injection; the rule needs at "
            f"least {minimum.value} {minimum.tag()}"
        )
    window = rule.sustained_for.value
    if window is not None and record.scores and record.baseline.value and sustained is None:
        missing.append(f"the scores do not span the {window} sustain window the rule requires")
    if rule.requires_function_improvement.value and record.function_improved is None:
        missing.append("the rule requires improved function, which was not recorded")
    return missing


def evaluate_trial(
    record: TrialRecord, rule: TrialRule | None = None, config: TrialConfig | None = None
) -> TrialEvaluation:
    """Evaluate a trial record under ``rule`` (the configured default when ``None``)."""
    config = config or load_trial_config()
    rule = rule or config.rule()
    points: tuple[ReliefPoint, ...] = ()
    if record.baseline.value != 0:
        points = tuple(
            ReliefPoint(s.at, s.score, relief_percent(record.baseline, s.score))
            for s in record.scores
        )
    best = max(points, key=lambda p: p.relief_percent, default=None)
    window = rule.sustained_for.value
    sustained = sustained_relief(points, window) if window is not None else None
    last_injection = record.injections[-1].at
    observed = record.last_observed() - last_injection
    if observed.is_negative():
        observed = Duration.zero()
    observed = observed.in_unit("h")
    per_injection = _per_injection(record, points)
    threshold = rule.relief_threshold_percent
    effective = next(
        (
            r.injection
            for r in per_injection
            if r.best_relief_percent is not None and r.best_relief_percent >= threshold.value
        ),
        None,
    )

    limiting = _limiting_effects(record, rule, config)
    spasticity = None
    if judged_on_spasticity(record, config.spasticity):
        spasticity = evaluate_spasticity(record, config.spasticity)
        effective = spasticity.effective.injection if spasticity.effective else None
    reasons: list[str] = []
    if limiting:
        outcome = Outcome.FAILURE
        reasons.extend(text for _, text in limiting)
    elif spasticity is not None:
        outcome = _spasticity_outcome(spasticity, reasons)
    else:
        missing = _missing_evidence(record, rule, observed, sustained)
        outcome = _pain_outcome(record, rule, missing, best, sustained, reasons)
    if outcome is Outcome.SUCCESS:
        reasons.append(f"no side effect above '{rule.max_tolerated_severity.value.value}'")

    recommendation = {
        Outcome.SUCCESS: REFERRAL,
        Outcome.FAILURE: "do not proceed to implant on this trial; review the options",
        Outcome.INCONCLUSIVE: "complete the observation or repeat the trial before deciding",
    }[outcome]
    sourced_values = dict(rule.sourced_values())
    if spasticity is not None:
        sourced_values = {"max_tolerated_severity": rule.max_tolerated_severity}
        sourced_values.update(spasticity.rule.sourced_values())
    unverified = tuple(name for name, value in sourced_values.items() if value.unverified)
    return TrialEvaluation(
        rule=rule,
        outcome=outcome,
        reasons=tuple(reasons),
        baseline=record.baseline,
        relief=points,
        best_relief_percent=best.relief_percent if best else None,
        best_relief_at=best.at if best else None,
        sustained_relief_percent=sustained,
        observed_after_last_injection=observed,
        per_injection=tuple(per_injection),
        effective_injection=effective if outcome is Outcome.SUCCESS else None,
        limiting_side_effects=tuple(effect for effect, _ in limiting),
        recommendation=recommendation,
        unverified_parameters=unverified,
        spasticity=spasticity,
    )


def _pain_outcome(
    record: TrialRecord,
    rule: TrialRule,
    missing: list[str],
    best: ReliefPoint | None,
    sustained: Fraction | None,
    reasons: list[str],
) -> Outcome:
    """Relief from baseline NRS against the rule's threshold (every drug but baclofen)."""
    window = rule.sustained_for.value
    measure = sustained if window is not None else (best.relief_percent if best else None)
    if missing or measure is None:
        reasons.extend(missing)
        return Outcome.INCONCLUSIVE
    threshold = rule.relief_threshold_percent
    measure_name = (
        f"relief held over {window} (lowest score in the best span)"
        if window is not None
        else "best relief"
    )
    meets = measure >= threshold.value
    reasons.append(
        f"{measure_name}: {_pct(measure)}, "
        f"{'at or above' if meets else 'below'} the {_pct(threshold.value)} threshold "
        f"{threshold.tag()}"
    )
    function_ok = not rule.requires_function_improvement.value or bool(record.function_improved)
    if not function_ok:
        reasons.append("function did not improve, which the rule requires")
    return Outcome.SUCCESS if meets and function_ok else Outcome.FAILURE


def _spasticity_outcome(evaluation: SpasticityEvaluation, reasons: list[str]) -> Outcome:
    """A screening judged on spasticity: the held drop decides; pain NRS never does."""
    rule = evaluation.rule
    threshold = rule.min_drop_points
    judged = (
        f"judged on spasticity, not pain NRS: {rule.judged_on.value} "
        f"({rule.judged_on.attribution()})"
    )
    if evaluation.missing and evaluation.effective is None:
        reasons.extend(evaluation.missing)
        if evaluation.scale is not None:
            reasons.append(judged)
        return Outcome.INCONCLUSIVE
    reasons.append(judged)
    scale = evaluation.scale.label if evaluation.scale else "spasticity"
    for index, response in enumerate(evaluation.responses, start=1):
        if response.held_drop is None:
            continue
        meets = response.effect is not None
        reasons.append(
            f"bolus {index} ({response.injection.dose} {response.injection.drug}): "
            f"{scale} drop held over {rule.sustained_for.value} "
            f"{response.held_drop} point(s), {'at or above' if meets else 'below'} the "
            f"{threshold.value}-point threshold ({threshold.attribution()})"
        )
    return Outcome.SUCCESS if evaluation.effective is not None else Outcome.FAILURE
