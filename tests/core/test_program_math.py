"""Program arithmetic: daily volume and dose, worst case, peak flow, derived boluses."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidProgram
from intrathecal.core.program import (
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.program_math import (
    basal_rate_at,
    bridge_bolus,
    daily_dose,
    daily_dose_of,
    daily_volume,
    mean_rate,
    patient_boluses_per_day,
    peak_rate,
    rate_for_dose,
    worst_case_daily_dose,
    worst_case_daily_volume,
)
from intrathecal.core.quantities import Concentration, DoseRate, Duration, Volume, VolumeRate

C = Concentration.parse
R = VolumeRate.parse
V = Volume.parse
D = Duration.parse


def _single(
    rate: str, conc: str = "10 mg/mL", drug: str = "morphine", **kw: object
) -> Prescription:
    return Prescription(Solution.single(drug, C(conc)), Continuous(R(rate)), **kw)  # type: ignore[arg-type]


def test_worked_example_2_hydromorphone_dose_and_rate_for_the_same_dose() -> None:
    p = _single("0.25 mL/day", "2 mg/mL", "hydromorphone")
    assert daily_dose_of(p, "hydromorphone") == DoseRate.parse("0.5 mg/day")
    assert rate_for_dose(DoseRate.parse("0.5 mg/day"), C("4 mg/mL")) == R("0.125 mL/day")


def test_worked_example_1_worst_case_volume_with_four_patient_boluses() -> None:
    bolus = PatientBolus(V("0.02 mL"), D("5 min"), D("4 h"), 4)
    p = _single("0.30 mL/day", patient_bolus=bolus)
    assert daily_volume(p) == V("0.30 mL")
    assert worst_case_daily_volume(p) == V("0.38 mL")


def test_worked_example_5_ziconotide_minimum_flow_dose() -> None:
    p = _single("0.048 mL/day", "25 mcg/mL", "ziconotide")
    assert daily_dose(p)["ziconotide"] == DoseRate.parse("1.2 mcg/day")


def test_flex_daily_volume_weights_each_step_by_its_length() -> None:
    flex = Flex((FlexStep(D("0 h"), R("0.2 mL/day")), FlexStep(D("8 h"), R("0.5 mL/day"))))
    p = Prescription(Solution.single("morphine", C("10 mg/mL")), flex)
    # 8 h at 0.2 + 16 h at 0.5 mL/day
    assert daily_volume(p) == V("0.4 mL")
    assert basal_rate_at(flex, D("7 h")) == R("0.2 mL/day")
    assert basal_rate_at(flex, D("8 h")) == R("0.5 mL/day")
    assert basal_rate_at(flex, D("31 h")) == R("0.2 mL/day")  # wraps into the next day


def test_periodic_boluses_add_their_mean_daily_volume() -> None:
    bolus = PeriodicBolus(V("0.05 mL"), D("10 min"), D("6 h"))
    p = _single("0.3 mL/day", periodic=(bolus,))
    assert daily_volume(p) == V("0.5 mL")
    assert mean_rate(p) == R("0.5 mL/day")


def test_admixture_doses_are_computed_per_component() -> None:
    solution = Solution(
        (
            *Solution.single("morphine", C("10 mg/mL")).components,
            *Solution.single("bupivacaine", C("5 mg/mL")).components,
        )
    )
    p = Prescription(solution, Continuous(R("0.4 mL/day")))
    doses = daily_dose(p)
    assert doses["morphine"] == DoseRate.parse("4 mg/day")
    assert doses["bupivacaine"] == DoseRate.parse("2 mg/day")


@pytest.mark.parametrize(
    ("lockout", "max_per_day", "expected"),
    [("4 h", 4, 4), ("4 h", 10, 6), ("5 h", 10, 5), ("24 h", 3, 1), ("25 h", 3, 1)],
)
def test_patient_boluses_per_day_is_limited_by_lockout(
    lockout: str, max_per_day: int, expected: int
) -> None:
    bolus = PatientBolus(V("0.02 mL"), D("5 min"), D(lockout), max_per_day)
    assert patient_boluses_per_day(bolus) == expected


def test_worst_case_dose_includes_every_permitted_bolus() -> None:
    bolus = PatientBolus(V("0.1 mL"), D("5 min"), D("1 h"), 10)
    p = _single("0.5 mL/day", "10 mg/mL", patient_bolus=bolus)
    assert worst_case_daily_dose(p)["morphine"] == DoseRate.parse("15 mg/day")


def test_peak_rate_adds_overlapping_periodic_boluses_only_when_they_overlap() -> None:
    six_hourly = PeriodicBolus(V("0.05 mL"), D("10 min"), D("6 h"))
    twelve_hourly = PeriodicBolus(V("0.05 mL"), D("10 min"), D("12 h"))
    offset = PeriodicBolus(V("0.05 mL"), D("10 min"), D("12 h"), first_at=D("1 h"))
    bolus_rate = R("7.2 mL/day")  # 0.05 mL over 10 min
    overlapping = _single("0.3 mL/day", periodic=(six_hourly, twelve_hourly))
    apart = _single("0.3 mL/day", periodic=(six_hourly, offset))
    assert peak_rate(overlapping) == R("0.3 mL/day") + bolus_rate + bolus_rate
    assert peak_rate(apart) == R("0.3 mL/day") + bolus_rate


def test_peak_rate_uses_the_flex_step_under_the_bolus() -> None:
    flex = Flex((FlexStep(D("0 h"), R("0.2 mL/day")), FlexStep(D("12 h"), R("0.6 mL/day"))))
    bolus = PeriodicBolus(V("0.05 mL"), D("10 min"), D("24 h"), first_at=D("2 h"))
    p = Prescription(Solution.single("morphine", C("10 mg/mL")), flex, periodic=(bolus,))
    # The bolus runs during the 0.2 step; the 0.6 step alone is lower than 0.2 + 7.2.
    assert peak_rate(p) == R("7.4 mL/day")


def test_peak_rate_adds_the_patient_bolus_unless_excluded() -> None:
    bolus = PatientBolus(V("0.02 mL"), D("5 min"), D("4 h"), 4)
    p = _single("0.3 mL/day", patient_bolus=bolus)
    assert peak_rate(p) == R("0.3 mL/day") + R("5.76 mL/day")
    assert peak_rate(p, include_patient_bolus=False) == R("0.3 mL/day")


def test_bridge_bolus_delivers_old_drug_at_the_old_rate() -> None:
    old = Solution.single("morphine", C("10 mg/mL"))
    bridge = bridge_bolus(old, R("0.5 mL/day"), V("0.2 mL"), V("0.05 mL"))
    assert bridge.volume == V("0.25 mL")
    assert bridge.duration == D("12 h")
    assert bridge.old_solution == old
    with pytest.raises(InvalidProgram, match="above zero"):
        bridge_bolus(old, R("0 mL/day"), V("0.2 mL"), V("0.05 mL"))


@given(
    rate=st.fractions(min_value=Fraction(1, 1000), max_value=10),
    factor=st.fractions(min_value=Fraction(1, 100), max_value=100),
)
def test_daily_dose_scales_linearly_with_rate(rate: Fraction, factor: Fraction) -> None:
    base = Prescription(
        Solution.single("morphine", C("10 mg/mL")), Continuous(VolumeRate(rate, "mL/day"))
    )
    scaled = Prescription(base.solution, Continuous(VolumeRate(rate * factor, "mL/day")))
    assert daily_dose(scaled)["morphine"] == daily_dose(base)["morphine"].scaled(factor)


@given(
    dose=st.fractions(min_value=Fraction(1, 1000), max_value=50),
    conc=st.fractions(min_value=Fraction(1, 100), max_value=50),
)
def test_rate_for_dose_delivers_exactly_that_dose(dose: Fraction, conc: Fraction) -> None:
    target = DoseRate(dose, "mg/day")
    strength = Concentration(conc, "mg/mL")
    p = Prescription(
        Solution.single("morphine", strength), Continuous(rate_for_dose(target, strength))
    )
    assert daily_dose_of(p, "morphine") == target


@given(
    basal=st.fractions(min_value=Fraction(1, 100), max_value=5),
    every_h=st.sampled_from([2, 3, 4, 6, 8, 12, 24]),
    first_min=st.integers(min_value=0, max_value=600),
)
def test_peak_rate_is_between_basal_and_basal_plus_all_boluses(
    basal: Fraction, every_h: int, first_min: int
) -> None:
    a = PeriodicBolus(V("0.05 mL"), D("10 min"), Duration(every_h, "h"), Duration(first_min, "min"))
    b = PeriodicBolus(V("0.1 mL"), D("30 min"), D("24 h"))
    p = _single("1 mL/day", periodic=(a, b))
    p = Prescription(p.solution, Continuous(VolumeRate(basal, "mL/day")), p.periodic)
    peak = peak_rate(p)
    rate_a, rate_b = V("0.05 mL") / D("10 min"), V("0.1 mL") / D("30 min")
    assert VolumeRate(basal, "mL/day") + max(rate_a, rate_b) <= peak
    assert peak <= VolumeRate(basal, "mL/day") + rate_a + rate_b


def _sampled_peak(flex_start: int, specs: list[tuple[int, int, int, int]]) -> VolumeRate:
    """Brute force in whole minutes and µL: the flow at every minute of the first 2 days.

    Every interval divides 24 h and every first start is within 10 h, so two days cover a
    full repeat period after the last first start. Flows are in µL/day as exact fractions.
    """
    best = Fraction(0)
    for minute in range(2 * 24 * 60):
        flow = Fraction(200 if minute % 1440 < flex_start else 1000)
        for duration, every, first, volume in specs:
            if minute >= first and (minute - first) % every < duration:
                flow += Fraction(volume * 1440, duration)
        best = max(best, flow)
    return VolumeRate(best, "µL/day")


bolus_specs = st.tuples(
    st.integers(1, 30),  # duration, min
    st.sampled_from([60, 90, 180, 240, 360, 480, 720, 1440]),  # every, min
    st.integers(0, 600),  # first_at, min
    st.integers(1, 50),  # volume, µL
)


@settings(max_examples=40)
@given(
    specs=st.lists(bolus_specs, min_size=1, max_size=3),
    flex_start=st.integers(1, 1439),
)
def test_peak_rate_matches_a_minute_by_minute_simulation(
    specs: list[tuple[int, int, int, int]], flex_start: int
) -> None:
    flex = Flex(
        (FlexStep(D("0 h"), R("0.2 mL/day")), FlexStep(Duration(flex_start, "min"), R("1 mL/day")))
    )
    periodic = tuple(
        PeriodicBolus(Volume(v, "µL"), Duration(d, "min"), Duration(e, "min"), Duration(f, "min"))
        for d, e, f, v in specs
    )
    p = Prescription(Solution.single("morphine", C("1 mg/mL")), flex, periodic)
    assert peak_rate(p, include_patient_bolus=False) == _sampled_peak(flex_start, specs)


@given(lockout_min=st.integers(5, 2000), max_per_day=st.integers(1, 48))
def test_patient_boluses_per_day_matches_pressing_at_every_lockout_end(
    lockout_min: int, max_per_day: int
) -> None:
    presses = 0
    t = 0
    while t < 24 * 60 and presses < max_per_day:
        presses += 1
        t += lockout_min
    bolus = PatientBolus(V("0.01 mL"), D("1 min"), Duration(lockout_min, "min"), max_per_day)
    assert patient_boluses_per_day(bolus) == presses
