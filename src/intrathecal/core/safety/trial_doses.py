"""Trial-dose rules: each screening injection within its drug's trial bolus range and spacing."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from intrathecal.core.errors import InvalidInput
from intrathecal.core.quantities import Duration, Mass
from intrathecal.core.safety._text import shown
from intrathecal.core.safety.context import RuleContext
from intrathecal.core.safety.findings import Finding, Severity


@dataclass(frozen=True)
class TrialDose:
    """One screening injection: drug, dose, and its offset from the first injection."""

    drug: str
    dose: Mass
    at: Duration


@dataclass(frozen=True)
class TrialDoses:
    """The injections of one screening trial, in time order."""

    doses: tuple[TrialDose, ...]

    def __post_init__(self) -> None:
        if not self.doses:
            raise InvalidInput("a trial-dose check needs at least one injection")
        ordered = tuple(sorted(self.doses, key=lambda d: d.at.to("s")))
        object.__setattr__(self, "doses", ordered)


TrialRule = Callable[[TrialDoses, RuleContext], Iterable[Finding]]


def trial_bolus_range(trial: TrialDoses, ctx: RuleContext) -> Iterator[Finding]:
    """Each injection must not exceed the top of its drug's trial bolus range."""
    for index, dose in enumerate(trial.doses):
        limit = ctx.drug(dose.drug).trial_bolus
        if limit is None or dose.dose <= limit.value.high:
            continue
        yield ctx.finding(
            "trial_bolus_range",
            Severity.HARD,
            f"{dose.drug} trial injection {index + 1} of {shown(dose.dose, limit.value.high)} "
            f"is above the {limit.value.format()} trial bolus range ({limit.attribution()})",
            limit,
            {"dose": dose.dose.in_unit(limit.value.high.unit), "maximum": limit.value.high},
            drug=dose.drug,
        )


def screening_spacing(trial: TrialDoses, ctx: RuleContext) -> Iterator[Finding]:
    """Screening injections of a drug with a labelled spacing must be that far apart."""
    for drug, group in itertools.groupby(
        sorted(trial.doses, key=lambda d: (d.drug, d.at.to("s"))), key=lambda d: d.drug
    ):
        limit = ctx.drug(drug).trial_spacing
        if limit is None:
            continue
        for earlier, later in itertools.pairwise(group):
            gap = (later.at - earlier.at).in_unit("h")
            if gap >= limit.value:
                continue
            yield ctx.finding(
                "screening_spacing",
                Severity.HARD,
                f"{drug} screening injections {shown(gap)} apart; the label needs at least "
                f"{shown(limit.value.in_unit('h'))} between them ({limit.attribution()})",
                limit,
                {"gap": gap, "minimum": limit.value},
                drug=drug,
            )
