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

A success recommends referral to a neurosurgeon for the permanent implant.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Duration, format_fraction
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


def relief_percent(baseline: PainScore, score: PainScore) -> Fraction:
    """Percentage fall from ``baseline`` to ``score`` (negative when pain rose)."""
    if baseline.value == 0:
        raise InvalidInput("relief is undefined for a baseline pain score of 0")
    return (baseline.value - score.value) / baseline.value * 100


def sustained_relief(points: Sequence[ReliefPoint], window: Duration) -> Fraction | None:
    """The highest relief held at every score across some span of at least ``window``.

    For each starting score, the span runs to the first score at least ``window`` later;
    the relief held over it is the lowest in between. ``None`` if no span is long enough.
    """
    best: Fraction | None = None
    for i, start in enumerate(points):
        held = start.relief_percent
        for later in points[i:]:
            held = min(held, later.relief_percent)
            if later.at - start.at >= window:
                best = held if best is None else max(best, held)
                break
    return best


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
    missing = _missing_evidence(record, rule, observed, sustained)
    measure = sustained if window is not None else (best.relief_percent if best else None)
    measure_name = (
        f"relief held over {window} (lowest score in the best span)"
        if window is not None
        else "best relief"
    )
    reasons: list[str] = []
    if limiting:
        outcome = Outcome.FAILURE
        reasons.extend(text for _, text in limiting)
    elif missing or measure is None:
        outcome = Outcome.INCONCLUSIVE
        reasons.extend(missing)
    else:
        meets = measure >= threshold.value
        reasons.append(
            f"{measure_name}: {_pct(measure)}, "
            f"{'at or above' if meets else 'below'} the {_pct(threshold.value)} threshold "
            f"{threshold.tag()}"
        )
        function_ok = not rule.requires_function_improvement.value or bool(record.function_improved)
        if not function_ok:
            reasons.append("function did not improve, which the rule requires")
        outcome = Outcome.SUCCESS if meets and function_ok else Outcome.FAILURE
        if outcome is Outcome.SUCCESS:
            reasons.append(f"no side effect above '{rule.max_tolerated_severity.value.value}'")

    recommendation = {
        Outcome.SUCCESS: REFERRAL,
        Outcome.FAILURE: "do not proceed to implant on this trial; review the options",
        Outcome.INCONCLUSIVE: "complete the observation or repeat the trial before deciding",
    }[outcome]
    unverified = tuple(name for name, value in rule.sourced_values().items() if value.unverified)
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
    )
