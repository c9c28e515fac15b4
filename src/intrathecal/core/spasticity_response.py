"""The spasticity response to each screening bolus (baclofen): judged on grades, never on NRS.

For each injection, the drop is counted in whole points from the grade taken just before it
to each grade taken after it (up to the next injection). A bolus responds when its drop is
held at or above the rule's threshold over the rule's window (``data/trial.yaml``,
``spasticity_response``). The effect's span (from the bolus to the last score still at the
threshold, and to the first later score below it) feeds the screening-to-start calculator.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from intrathecal.core.held import held_over
from intrathecal.core.quantities import Duration
from intrathecal.core.spasticity import SpasticityGrade, SpasticityScale
from intrathecal.core.trial_config import SpasticityRule
from intrathecal.core.trial_record import Injection, TrialRecord


@dataclass(frozen=True)
class EffectSpan:
    """How long a bolus's response lasted, as far as the scores show."""

    lasted_at_least: Duration
    ended_before: Duration | None


@dataclass(frozen=True)
class SpasticityResponse:
    """One bolus: the grade before it, the drops after it, the drop held over the window."""

    injection: Injection
    before: SpasticityGrade
    drops: tuple[tuple[Duration, int], ...]
    held_drop: int | None
    effect: EffectSpan | None


@dataclass(frozen=True)
class SpasticityEvaluation:
    """The spasticity judgement of one screening, with what is missing to decide it."""

    rule: SpasticityRule
    scale: SpasticityScale | None
    responses: tuple[SpasticityResponse, ...]
    effective: SpasticityResponse | None
    missing: tuple[str, ...]


def judged_on_spasticity(record: TrialRecord, rule: SpasticityRule) -> bool:
    """True when any injection is of a drug whose screening is judged on spasticity."""
    return any(i.drug in rule.drugs for i in record.injections)


def evaluate_spasticity(record: TrialRecord, rule: SpasticityRule) -> SpasticityEvaluation:
    """Each bolus's spasticity response, the first effective one, and any missing evidence."""
    scores = record.spasticity
    if scores is None:
        return SpasticityEvaluation(
            rule,
            None,
            (),
            None,
            (
                "spasticity scores are required: a baclofen screening is judged on spasticity "
                "(Ashworth or modified Ashworth grade before and after each bolus), never on "
                f"pain NRS ({rule.judged_on.attribution()})",
            ),
        )
    threshold = rule.min_drop_points.value
    responses = []
    for index, injection in enumerate(record.injections):
        end = record.injections[index + 1].at if index + 1 < len(record.injections) else None
        before = scores.before[index]
        drops = tuple(
            (o.at, before.drop_to(o.grade))
            for o in scores.after
            if o.at > injection.at and (end is None or o.at <= end)
        )
        held = held_over([(at, Fraction(d)) for at, d in drops], rule.sustained_for.value)
        held_drop = None if held is None else int(held)
        responded = held_drop is not None and held_drop >= threshold
        effect = _effect(injection, drops, threshold) if responded else None
        responses.append(SpasticityResponse(injection, before, drops, held_drop, effect))
    effective = next((r for r in responses if r.effect is not None), None)
    missing: list[str] = []
    if not scores.after:
        missing.append("no spasticity grades were recorded after a bolus")
    else:
        observed = scores.after[-1].at - record.injections[-1].at
        minimum = rule.min_observation
        if observed < minimum.value:
            missing.append(
                f"spasticity graded {max(observed, Duration.zero()).format('h', 4)} after the "
                f"last bolus; the rule needs at least {minimum.value} {minimum.tag()}"
            )
        if all(r.held_drop is None for r in responses):
            missing.append(
                f"the spasticity grades after no bolus span the {rule.sustained_for.value} "
                f"window the rule requires {rule.sustained_for.tag()}"
            )
    return SpasticityEvaluation(
        rule, scores.scale, tuple(responses), effective, () if effective else tuple(missing)
    )


def _effect(
    injection: Injection, drops: tuple[tuple[Duration, int], ...], threshold: int
) -> EffectSpan | None:
    """From the first score at the threshold: the last one still there, the first below."""
    first = next((i for i, (_, d) in enumerate(drops) if d >= threshold), None)
    if first is None:
        return None
    last_at = drops[first][0]
    for at, drop in drops[first:]:
        if drop < threshold:
            return EffectSpan(last_at - injection.at, at - injection.at)
        last_at = at
    return EffectSpan(last_at - injection.at, None)
