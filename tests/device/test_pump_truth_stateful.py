"""Random faults and refill errors: the ground-truth books of the pump always balance.

A second state machine, aimed at what the first leaves out: true flow different from the
programmed one, catheter damage, pocket fills, incomplete withdrawal, MRI exposure, bridge
and priming boluses, and fixed-rate pumps. Invariants: the true reservoir stays within
[0, capacity]; every millilitre is accounted for (injected = withdrawn + reservoir + line
+ delivered to CSF + delivered to tissue); the line stays full; an occluded catheter or a
closed valve passes nothing; only a leaking catheter or a pocket fill puts drug in tissue;
and the pump's own calculated volume never depends on what happened to the catheter.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from intrathecal.core.program import (
    BridgeBolus,
    Continuous,
    Prescription,
    PrimingBolus,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.catheter import Integrity
from intrathecal.device.errors import DeviceError
from intrathecal.device.faults import CatheterFault, MagneticExposure, MotorStall
from intrathecal.device.models import default_catheter
from intrathecal.device.pump import Pump

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SOLUTIONS = [
    Solution.single("morphine", Concentration.parse("10 mg/mL")),
    Solution.single("morphine", Concentration.parse("25 mg/mL")),
    Solution.single("baclofen", Concentration.parse("2000 mcg/mL")),
]


def ml(volume: Volume) -> float:
    return float(volume.to("mL"))


class TruthMachine(RuleBasedStateMachine):
    """One pump with random physical trouble; an independent ledger of injected volume."""

    @initialize(
        key=st.sampled_from(["synchromed-ii-20", "prometra-ii-40", "codman-3000"]),
        flow=st.integers(80, 120),
        rate=st.integers(100, 1500),
        fill=st.integers(5, 20),
        solution=st.sampled_from(SOLUTIONS),
    )
    def setup(self, key: str, flow: int, rate: int, fill: int, solution: Solution) -> None:
        self.pump = Pump(key, default_catheter(), "SN-T", T0, flow_factor=Fraction(flow, 100))
        self.line = ml(self.pump.delivery().in_line)
        self.injected = 0.0  # into reservoir or pocket
        self.withdrawn = 0.0
        self.leaks = False
        self.pocket_filled = False
        self.t = 0.0
        self.refill_ledger(fill, solution, pocket=0)
        if self.pump.model.programmable:
            self.pump.program(
                Prescription(solution, Continuous(VolumeRate(Fraction(rate, 1000), "mL/day")))
            )

    def refill_ledger(self, added: int, solution: Solution, pocket: int) -> None:
        before = self.pump.delivery().reservoir
        result = self.pump.refill(
            added=Volume(added, "mL"), solution=solution, into_pocket=Volume(pocket, "mL")
        )
        assert result.true_residual == before
        self.withdrawn += ml(result.withdrawn)
        self.injected += added + pocket
        self.pocket_filled |= pocket > 0

    @rule(hours=st.integers(1, 24 * 20))
    def advance(self, hours: int) -> None:
        before_truth, before_status = self.pump.delivery(), self.pump.status()
        self.pump.advance_to(T0 + timedelta(hours=self.t + hours))
        self.t += hours
        truth = self.pump.delivery()
        blocked = not truth.catheter.flows or self.pump.status().valve_closed
        if blocked:
            assert truth.pumped == before_truth.pumped
        assert ml(self.pump.status().reservoir) <= ml(before_status.reservoir) + 1e-9

    @rule(
        added=st.integers(0, 25),
        pocket=st.integers(0, 2),
        partial=st.booleans(),
        solution=st.sampled_from(SOLUTIONS),
    )
    def refill(self, added: int, pocket: int, partial: bool, solution: Solution) -> None:
        truth = self.pump.delivery()
        capacity = ml(self.pump.model.reservoir_capacity.value)
        left = ml(truth.reservoir) / 2 if partial else 0.0
        withdrawn = Volume(round(ml(truth.reservoir) - left, 9), "mL")
        if left + added + pocket > capacity or left + added > capacity:
            try:
                self.pump.refill(
                    added=Volume(added, "mL"),
                    solution=solution,
                    withdrawn=withdrawn,
                    into_pocket=Volume(pocket, "mL"),
                )
            except DeviceError:
                assert self.pump.delivery() == truth
                return
            raise AssertionError("an over-capacity refill was accepted")
        result = self.pump.refill(
            added=Volume(added, "mL"),
            solution=solution,
            withdrawn=withdrawn,
            into_pocket=Volume(pocket, "mL"),
        )
        self.withdrawn += ml(result.withdrawn)
        self.injected += added + pocket
        self.pocket_filled |= pocket > 0

    @rule(
        integrity=st.sampled_from(list(Integrity)),
        share=st.integers(1, 4),
    )
    def catheter_fault(self, integrity: Integrity, share: int) -> None:
        leaking = integrity in (Integrity.TORN, Integrity.MIGRATED)
        fraction = Fraction(share, 4) if leaking else None
        assert self.pump.inject_fault(CatheterFault(integrity, fraction)) == []
        self.leaks |= integrity in (Integrity.TORN, Integrity.MIGRATED, Integrity.DISCONNECTED)

    @rule(hours=st.integers(1, 6))
    def mri(self, hours: int) -> None:
        self.pump.inject_fault(MagneticExposure(Duration(hours, "h")))

    @rule()
    def stall_or_clear(self) -> None:
        if not self.pump.model.programmable:
            return
        status = self.pump.status()
        if status.motor_stalled or status.valve_closed:
            self.pump.clear_fault()
        else:
            self.pump.inject_fault(MotorStall())

    @rule(kind=st.sampled_from(["bridge", "priming"]), minutes=st.integers(30, 600))
    def line_bolus(self, kind: str, minutes: int) -> None:
        line = Volume(round(self.line, 9), "mL")
        status = self.pump.status()
        command = (
            BridgeBolus(line, Duration(minutes, "min"), SOLUTIONS[0])
            if kind == "bridge"
            else PrimingBolus(line, Duration(minutes, "min"))
        )
        try:
            self.pump.bolus(command)
        except DeviceError:
            assert self.pump.status().active_bolus == status.active_bolus

    @invariant()
    def true_reservoir_stays_within_capacity(self) -> None:
        truth = self.pump.delivery()
        assert not truth.reservoir.is_negative()
        assert truth.reservoir <= self.pump.model.reservoir_capacity.value

    @invariant()
    def every_millilitre_is_accounted_for(self) -> None:
        truth = self.pump.delivery()
        held = ml(truth.reservoir) + ml(truth.in_line)
        out = ml(truth.to_csf) + ml(truth.to_tissue)
        assert abs(self.injected + self.line - self.withdrawn - held - out) < 1e-7

    @invariant()
    def the_line_stays_full(self) -> None:
        assert abs(ml(self.pump.delivery().in_line) - self.line) < 1e-9

    @invariant()
    def tissue_gets_drug_only_from_leaks_or_pocket_fills(self) -> None:
        if not (self.leaks or self.pocket_filled):
            assert self.pump.delivery().to_tissue.is_zero()


TestTruthMachine = TruthMachine.TestCase
