"""Stateful property: the baclofen 24 h titration window against a simple model.

Random baclofen dose steps at random times (several within 24 h, across midnight, decreases,
steps exactly 24 h after an earlier one) for spinal, cerebral and unrecorded origin. The
model keeps the doses in force over time; before each change it takes the lowest non-zero
dose in force at any moment of the last 24 h (a step exactly 24 h ago counts as in force at
the window's start). The policy must flag ``titration_window_24h`` exactly when the proposed
dose exceeds that dose by more than the origin's limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.quantities import Concentration, DoseRate
from intrathecal.core.safety import DosingProfile, History, SpasticityOrigin
from tests.core.safety_support import check
from tests.core.test_safety_rules import fired

WINDOW = timedelta(hours=24)
LIMITS = {
    SpasticityOrigin.SPINAL: Fraction(30, 100),
    SpasticityOrigin.CEREBRAL: Fraction(15, 100),
    None: Fraction(15, 100),  # origin not recorded: the stricter (cerebral) limit
}
#: Late evening, so that steps a few hours apart cross midnight.
START = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)


STRENGTH = Concentration.parse("500 mcg/mL")


def _program(dose: Fraction) -> Prescription:
    """Baclofen at exactly ``dose`` mcg/day."""
    return Prescription(
        Solution.single("baclofen", STRENGTH), Continuous(DoseRate(dose, "mcg/day") / STRENGTH)
    )


class TitrationWindow(RuleBasedStateMachine):
    """Baclofen changes over time; each proposal is checked against the model."""

    def __init__(self) -> None:
        super().__init__()
        self.origin: SpasticityOrigin | None = None
        self.applied: list[tuple[datetime, Fraction]] = []
        self.now = START

    @initialize(
        origin=st.sampled_from([SpasticityOrigin.SPINAL, SpasticityOrigin.CEREBRAL, None]),
        first=st.integers(100, 400),
    )
    def start(self, origin: SpasticityOrigin | None, first: int) -> None:
        self.origin = origin
        self.applied = [(START, Fraction(first))]

    # --- the model ---------------------------------------------------------------------
    def in_force(self, moment: datetime) -> Fraction | None:
        doses = [dose for at, dose in self.applied if at <= moment]
        return doses[-1] if doses else None

    def window_baseline(self) -> Fraction:
        start = self.now - WINDOW
        doses = [self.in_force(start)] + [d for at, d in self.applied if start < at <= self.now]
        return min(d for d in doses if d)

    @property
    def current(self) -> Fraction:
        return self.applied[-1][1]

    # --- time ---------------------------------------------------------------------------
    @rule(minutes=st.integers(1, 36 * 60))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @precondition(lambda self: any(at + WINDOW > self.now for at, _ in self.applied))
    @rule(data=st.data())
    def wait_until_exactly_24_h_after_a_step(self, data: st.DataObject) -> None:
        later = [at + WINDOW for at, _ in self.applied if at + WINDOW > self.now]
        self.now = data.draw(st.sampled_from(later))

    # --- proposals ----------------------------------------------------------------------
    def propose(self, dose: Fraction, apply: bool) -> None:
        history = History.of_programs([(at, _program(d)) for at, d in self.applied], self.now)
        report = check(
            _program(dose),
            _program(self.current),
            history=history,
            profile=DosingProfile(spasticity_origin=self.origin),
        )
        exceeds = dose > self.window_baseline() * (1 + LIMITS[self.origin])
        assert fired(report, "titration_window_24h") == exceeds, (
            f"{self.current} -> {dose} at {self.now}, baseline {self.window_baseline()}, "
            f"steps {self.applied}"
        )
        if apply and self.now > self.applied[-1][0] and dose != self.current:
            self.applied.append((self.now, dose))

    @rule(percent=st.integers(-20, 60), apply=st.booleans())
    def step_by_percent(self, percent: int, apply: bool) -> None:
        self.propose(max(Fraction(50), self.current * (100 + percent) / 100), apply)

    @rule(over=st.sampled_from([Fraction(0), Fraction(1, 10**4)]))
    def step_to_the_limit(self, over: Fraction) -> None:
        """Exactly at the model's limit (allowed) and just above it (flagged)."""
        self.propose(self.window_baseline() * (1 + LIMITS[self.origin]) + over, apply=False)

    @invariant()
    def doses_stay_positive(self) -> None:
        assert all(dose > 0 for _, dose in self.applied)


TitrationWindow.TestCase.settings = settings(
    max_examples=150, stateful_step_count=25, deadline=None
)
test_titration_window_24h_matches_the_model = TitrationWindow.TestCase


def test_a_step_within_24_h_of_the_first_program_is_held_to_the_window() -> None:
    """Started 10 h ago at 100 mcg/day: 300 mcg/day now is a 200 % rise within 24 h."""
    now = START + timedelta(hours=10)
    history = History.of_programs([(START, _program(Fraction(100)))], now)
    report = check(
        _program(Fraction(300)),
        _program(Fraction(100)),
        history=history,
        profile=DosingProfile(spasticity_origin=SpasticityOrigin.SPINAL),
    )
    assert fired(report, "titration_window_24h")
    assert DoseRate.parse("100 mcg/day") == next(
        f.values["lowest_in_24h"] for f in report.findings if f.rule == "titration_window_24h"
    )


def test_a_cut_and_a_rebound_within_24_h_count_from_the_cut() -> None:
    """200 -> 160 (cut) 3 h ago; back to 220 now is +37.5 % over the day's lowest dose."""
    now = START + timedelta(days=3)
    history = History.of_programs(
        [(START, _program(Fraction(200))), (now - timedelta(hours=3), _program(Fraction(160)))],
        now,
    )
    spinal = DosingProfile(spasticity_origin=SpasticityOrigin.SPINAL)
    report = check(
        _program(Fraction(220)), _program(Fraction(160)), history=history, profile=spinal
    )
    assert "37.5 %" in next(f.message for f in report.findings if f.rule == "titration_window_24h")
    allowed = check(
        _program(Fraction(208)), _program(Fraction(160)), history=history, profile=spinal
    )
    assert not fired(allowed, "titration_window_24h")
