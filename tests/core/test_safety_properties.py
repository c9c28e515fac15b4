"""Properties of the safety checker that must hold for every program, not just examples."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from intrathecal.core.catalogue import RuleSet, load_catalogue
from intrathecal.core.program import Continuous, Prescription, Solution
from intrathecal.core.quantities import Concentration, DoseRate, VolumeRate
from intrathecal.core.safety import Override, Severity
from tests.core.safety_support import check
from tests.core.test_safety_rules import admixture, fired

CATALOGUE = load_catalogue()
LIMITED = [
    (d.name, rs)
    for rs in RuleSet
    for d in CATALOGUE.drugs(rs)
    if d.max_daily_dose.value is not None
]
TITRATED_BY_FRACTION = [
    d.name
    for d in CATALOGUE.drugs()
    if not d.titration.has_absolute_steps and not d.titration.increase_per_24h
]

factors = st.fractions(min_value=Fraction(1, 10**6), max_value=100)


def _strength(name: str, rule_set: RuleSet, index: int) -> Concentration:
    known = CATALOGUE.get(name, rule_set).concentrations
    return known[index % len(known)].value


@given(
    drug=st.sampled_from(LIMITED),
    excess=factors,
    index=st.integers(0, 10),
)
def test_a_dose_above_the_maximum_is_always_refused(
    drug: tuple[str, RuleSet], excess: Fraction, index: int
) -> None:
    name, rule_set = drug
    maximum = CATALOGUE.get(name, rule_set).max_daily_dose.value
    assert maximum is not None
    dose = maximum.scaled(1 + excess)
    strength = _strength(name, rule_set, index)
    p = Prescription(Solution.single(name, strength), Continuous(dose / strength))
    report = check(p, rule_set=rule_set)
    assert report.refused
    assert any(
        f.rule == "max_daily_dose" and f.severity is Severity.HARD and f.drug == name
        for f in report.findings
    )


@given(
    drug=st.sampled_from(LIMITED),
    fraction=st.fractions(min_value=Fraction(1, 100), max_value=1),
    index=st.integers(0, 10),
)
def test_a_dose_at_or_below_the_maximum_never_trips_the_maximum(
    drug: tuple[str, RuleSet], fraction: Fraction, index: int
) -> None:
    name, rule_set = drug
    maximum = CATALOGUE.get(name, rule_set).max_daily_dose.value
    assert maximum is not None
    strength = _strength(name, rule_set, index)
    p = Prescription(
        Solution.single(name, strength), Continuous(maximum.scaled(fraction) / strength)
    )
    assert not fired(check(p, rule_set=rule_set), "max_daily_dose")


@given(
    pair=st.lists(
        st.sampled_from([n for n, rs in LIMITED if rs is RuleSet.US]),
        min_size=2,
        max_size=2,
        unique=True,
    ),
    multipliers=st.tuples(
        st.fractions(min_value=Fraction(1, 10), max_value=3),
        st.fractions(min_value=Fraction(1, 10), max_value=3),
    ),
)
def test_admixture_components_are_judged_each_against_its_own_maximum(
    pair: list[str], multipliers: tuple[Fraction, Fraction]
) -> None:
    rate = VolumeRate.parse("1 mL/day")
    components = []
    over = set()
    for name, k in zip(pair, multipliers, strict=True):
        maximum = CATALOGUE.get(name).max_daily_dose.value
        assert maximum is not None
        dose = maximum.scaled(k)
        components.append((name, dose / rate))
        if dose > maximum:
            over.add(name)
    report = check(admixture(rate, *components))
    flagged = {f.drug for f in report.findings if f.rule == "max_daily_dose"}
    assert flagged == over


@given(
    drug=st.sampled_from([n for n, rs in LIMITED if rs is RuleSet.US]),
    fraction=st.fractions(min_value=Fraction(1, 10), max_value=3),
)
def test_findings_do_not_depend_on_the_units_a_program_is_written_in(
    drug: str, fraction: Fraction
) -> None:
    maximum = CATALOGUE.get(drug).max_daily_dose.value
    assert maximum is not None
    strength = CATALOGUE.get(drug).concentrations[0].value
    rate = maximum.scaled(fraction) / strength
    as_written = Prescription(Solution.single(drug, strength), Continuous(rate))
    other_conc = "mcg/mL" if strength.unit == "mg/mL" else "mg/mL"
    rewritten = Prescription(
        Solution.single(drug, strength.in_unit(other_conc)),
        Continuous(rate.in_unit("µL/h")),
    )

    def key(p: Prescription) -> set[tuple[str, Severity, str | None]]:
        return {(f.rule, f.severity, f.drug) for f in check(p).findings}

    assert key(as_written) == key(rewritten)


@given(
    drug=st.sampled_from([n for n, rs in LIMITED if rs is RuleSet.US]),
    k=st.fractions(min_value=1, max_value=1000),
)
def test_raising_a_refused_rate_keeps_it_refused(drug: str, k: Fraction) -> None:
    maximum = CATALOGUE.get(drug).max_daily_dose.value
    assert maximum is not None
    strength = CATALOGUE.get(drug).concentrations[0].value
    rate = maximum.scaled(Fraction(11, 10)) / strength
    base = Prescription(Solution.single(drug, strength), Continuous(rate))
    higher = Prescription(base.solution, Continuous(rate.scaled(k)))
    assert check(base).refused
    assert check(higher).refused


@given(
    drug=st.sampled_from(TITRATED_BY_FRACTION),
    rise=st.fractions(min_value=0, max_value=2),
)
def test_dose_increase_fires_exactly_when_the_rise_exceeds_the_limit(
    drug: str, rise: Fraction
) -> None:
    entry = CATALOGUE.get(drug)
    limit = entry.titration.max_increase_fraction
    allowed = limit.value if limit is not None else Fraction(1, 5)
    strength = entry.concentrations[0].value
    start = DoseRate.parse("1 mcg/day")
    current = Prescription(Solution.single(drug, strength), Continuous(start / strength))
    proposed = Prescription(current.solution, Continuous(start.scaled(1 + rise) / strength))
    assert fired(check(proposed, current), "dose_increase") == (rise > allowed)


@given(
    conc_scale=st.fractions(min_value=Fraction(1, 10**5), max_value=10**5),
    codes=st.sets(st.sampled_from(["max_concentration", "unit_slip", "dose_increase"])),
)
def test_an_override_accepts_exactly_when_nothing_is_hard_and_every_soft_code_is_named(
    conc_scale: Fraction, codes: set[str]
) -> None:
    strength = Concentration.parse("10 mg/mL").scaled(conc_scale)
    rate = DoseRate.parse("1 mg/day") / strength
    assume(VolumeRate.parse("0.048 mL/day") <= rate <= VolumeRate.parse("24 mL/day"))
    report = check(Prescription(Solution.single("morphine", strength), Continuous(rate)))
    soft = {f.rule for f in report.findings if f.severity is Severity.SOFT}
    override = Override(frozenset(codes | {"other"}), "reviewed", "dr-a", "dr-b")
    assert report.accepts(override) == (not report.refused and soft <= codes)
