"""The refill plan: milestones, due date and its reason, findings, configuration."""

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.core.errors import InvalidInput
from intrathecal.core.program import Solution
from intrathecal.core.quantities import Concentration, Volume, VolumeRate, days, ml
from intrathecal.core.refill import (
    BridgeRequest,
    LastFill,
    Level,
    PostRefillMeasurement,
    PrimingRequest,
    RefillRequest,
    plan_refill,
)
from intrathecal.core.refill_config import load_refill_config
from intrathecal.core.refill_due import DueReason, next_refill_due, stability_limits
from intrathecal.core.refill_math import CatheterSegment
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Source,
    Sourced,
    Status,
    load_data_file,
)

FILLED_AT = datetime(2026, 11, 25, 10, 0)
RATE = VolumeRate.parse("0.30 mL/day")
WORST = VolumeRate.parse("0.38 mL/day")
CONFIG = load_refill_config()


def _request(**changes):
    base = {
        "filled": ml(20),
        "filled_at": FILLED_AT,
        "mean_daily_volume": RATE,
        "reservoir": ml(20),
        "drugs": ("morphine",),
    }
    base.update(changes)
    return RefillRequest(**base)


def _rules(plan):
    return {f.rule for f in plan.findings}


def test_plan_puts_alarm_at_day_60_and_empty_at_66_days_16_hours():
    plan = plan_refill(_request())
    assert plan.alarm.after == days(60)
    assert plan.alarm.at == datetime(2027, 1, 24, 10, 0)
    assert plan.empty.at == FILLED_AT + timedelta(days=66, hours=16)
    assert plan.alarm_volume == ml(2)
    assert plan.alarm_volume_default is not None
    assert not plan.worst_case_used


def test_plan_uses_the_worst_case_rate_when_patient_boluses_are_allowed():
    plan = plan_refill(_request(worst_case_daily_volume=WORST))
    assert plan.worst_case_used
    assert plan.planning_daily_volume == WORST
    assert round(plan.alarm.after.to("day"), 2) == pytest.approx(47.37)
    assert plan.alarm_at_mean_rate.after == days(60)
    assert "worst_case_rate" in _rules(plan)


def test_next_refill_is_the_alarm_date_less_the_margin_for_morphine():
    plan = plan_refill(_request())
    margin = CONFIG.refill_margin.value
    assert plan.due.reason is DueReason.ALARM_MARGIN
    assert plan.due.after == days(60) - margin
    assert plan.due.at == plan.alarm.at - timedelta(days=int(margin.to("day")))
    assert "refill_margin_unverified" in _rules(plan)


def test_morphine_stability_decides_when_the_alarm_is_far_away():
    plan = plan_refill(
        _request(filled=ml(40), reservoir=ml(40), mean_daily_volume=VolumeRate.parse("0.2 mL/day"))
    )
    # Alarm after 190 days; morphine may stay 90 days.
    assert plan.due.reason is DueReason.DRUG_STABILITY
    assert plan.due.after == days(90)
    assert plan.due.binding_stability is not None
    assert plan.due.binding_stability.drug == "morphine"


def test_ziconotide_first_fill_is_due_within_14_days():
    plan = plan_refill(_request(drugs=("ziconotide",), first_fill=True))
    assert plan.due.reason is DueReason.DRUG_STABILITY
    assert plan.due.after == days(14)


def test_ziconotide_undiluted_allows_84_days_and_unknown_dilution_assumes_40():
    slow = {
        "filled": ml(40),
        "reservoir": ml(40),
        "drugs": ("ziconotide",),
        "mean_daily_volume": VolumeRate.parse("0.1 mL/day"),
    }
    undiluted = plan_refill(_request(**slow, ziconotide_diluted=False))
    assert undiluted.due.after == days(84)
    unknown = plan_refill(_request(**slow))
    assert unknown.due.after == days(40)
    assert "stability_assumption" in _rules(unknown)


def test_admixture_takes_the_shortest_stability_limit_and_warns_about_unknown_drugs():
    lookup = stability_limits(
        ("morphine", "ziconotide", "clonidine"), CONFIG, ziconotide_diluted=True
    )
    assert {limit.drug for limit in lookup.limits} == {
        "morphine",
        "ziconotide",
        "morphine, ziconotide, clonidine",  # the maximum refill interval caps every fill
    }
    assert lookup.missing == ("clonidine",)
    plan = plan_refill(
        _request(drugs=("morphine", "clonidine"), mean_daily_volume=VolumeRate.parse("0.1 mL/day"))
    )
    assert "no_stability_limit" in _rules(plan)
    assert plan.due.after == days(90)


def test_margin_longer_than_the_alarm_makes_the_refill_due_at_once():
    plan = plan_refill(_request(filled=ml(3), mean_daily_volume=VolumeRate.parse("1 mL/day")))
    assert plan.due.after.is_zero()
    assert plan.due.at == FILLED_AT
    assert "refill_due_now" in _rules(plan)


def test_fill_at_or_below_alarm_is_warned():
    plan = plan_refill(_request(filled=ml(2)))
    assert plan.alarm.after.is_zero()
    assert "fill_at_or_below_alarm" in _rules(plan)


def test_prometra_defaults_to_a_3_ml_alarm_and_an_entered_alarm_wins():
    prometra = plan_refill(_request(pump_family="prometra-ii"))
    assert prometra.alarm_volume == ml(3)
    entered = plan_refill(_request(alarm_volume=ml(4)))
    assert entered.alarm_volume == ml(4)
    assert entered.alarm_volume_default is None
    assert entered.alarm.after == days(Fraction(160, 3))  # 16 mL at 0.3 mL/day


def test_plan_with_the_worked_residual_example_needs_investigation():
    last = LastFill(
        ml(18), FILLED_AT - timedelta(days=35), ml("6.5"), VolumeRate.parse("0.4 mL/day")
    )
    plan = plan_refill(_request(last_fill=last))
    assert plan.residual_check is not None
    assert plan.residual_check.discrepancy == ml("2.5")
    assert plan.needs_investigation
    finding = next(f for f in plan.findings if f.rule == "residual_discrepancy")
    assert finding.level is Level.INVESTIGATE
    assert "ASRA" in finding.source


def test_plan_without_last_rate_uses_the_new_mean_rate_for_the_residual():
    last = LastFill(ml(20), FILLED_AT - timedelta(days=30), ml(11))
    plan = plan_refill(_request(last_fill=last))
    assert plan.residual_check is not None
    assert plan.residual_check.expected == ml(11)
    assert not plan.needs_investigation


def test_post_refill_gap_beyond_limit_needs_investigation():
    plan = plan_refill(_request(post_refill=PostRefillMeasurement(ml(20), ml("18.5"))))
    assert plan.post_refill_check is not None
    assert plan.post_refill_check.exceeds_limit
    assert plan.needs_investigation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"filled": ml(0)}, "filled volume"),
        ({"filled": ml(25)}, "exceeds the reservoir"),
        ({"mean_daily_volume": VolumeRate(0, "mL/day")}, "mean daily volume"),
        ({"worst_case_daily_volume": VolumeRate.parse("0.1 mL/day")}, "below the mean"),
        ({"alarm_volume": ml(20)}, "alarm volume"),
        ({"pump_family": "isomed"}, "unknown pump family"),
        ({"reservoir": None, "post_refill": PostRefillMeasurement(ml(1), ml(1))}, "capacity"),
        ({"last_fill": LastFill(ml(18), FILLED_AT + timedelta(days=1), ml(1))}, "before"),
        ({"last_fill": LastFill(ml(30), FILLED_AT - timedelta(days=1), ml(1))}, "capacity"),
    ],
)
def test_plan_refuses_inconsistent_input(changes, message):
    with pytest.raises(InvalidInput, match=message):
        plan_refill(_request(**changes))


@given(
    st.fractions(min_value=3, max_value=20, max_denominator=100),
    st.fractions(min_value="0.05", max_value=2, max_denominator=100),
    st.integers(min_value=0, max_value=30),
)
def test_due_date_is_never_after_the_alarm_or_the_stability_limit(fill, rate, margin_days):
    plan = plan_refill(_request(filled=ml(fill), mean_daily_volume=VolumeRate(rate, "mL/day")))
    assert plan.due.at <= plan.alarm.at
    assert plan.due.at <= FILLED_AT + timedelta(days=90)
    assert plan.due.at >= FILLED_AT
    due = next_refill_due(
        FILLED_AT,
        plan.alarm.after,
        Sourced(days(margin_days), Source("", "test", "test"), Status.UNVERIFIED),
    )
    assert due.at <= plan.alarm.at


def test_packaged_refill_data_has_a_source_and_status_for_every_value():
    assert CONFIG.residual_discrepancy_limit.value == ml(2)
    assert CONFIG.residual_discrepancy_limit.status is Status.LITERATURE
    assert CONFIG.refill_margin.unverified
    assert CONFIG.drug_stability["morphine"].value == days(90)
    assert CONFIG.ziconotide is not None
    assert CONFIG.ziconotide.first_fill.value == days(14)
    for family in CONFIG.pump_families.values():
        assert family.accuracy_percent.source.citation
        assert family.low_reservoir_alarm.source.citation


def test_override_file_without_sources_is_refused(tmp_path: Path):
    data = dict(load_data_file("refill.yaml"))
    data["refill_margin"] = {"value": "3 day", "status": "unverified"}
    path = tmp_path / "refill.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidDataFile, match="source"):
        load_refill_config(path)


def test_override_file_can_change_the_margin(tmp_path: Path):
    data = dict(load_data_file("refill.yaml"))
    data["refill_margin"] = {"value": "14 day", "status": "unverified", "source": "clinic policy"}
    path = tmp_path / "refill.yaml"
    path.write_text(yaml.safe_dump(data))
    config = load_refill_config(path)
    plan = plan_refill(_request(), config)
    assert plan.due.after == days(46)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema: 2\n", "schema"),
        ("- a list\n", "mapping"),
        ("key: [unclosed\n", "YAML"),
    ],
)
def test_malformed_data_files_are_refused(tmp_path: Path, text, message):
    path = tmp_path / "refill.yaml"
    path.write_text(text)
    with pytest.raises(InvalidDataFile, match=message):
        load_refill_config(path)


def test_plan_includes_bridge_and_priming_boluses_when_asked():
    catheter = CatheterSegment(Fraction(50), Volume(2, "µL"))
    old = Solution.single("morphine", Concentration.parse("10 mg/mL"))
    plan = plan_refill(
        _request(
            bridge=BridgeRequest(catheter, Volume(150, "µL"), VolumeRate.parse("0.3 mL/day"), old),
            priming=PrimingRequest(catheter, Volume(150, "µL"), VolumeRate.parse("1 mL/h")),
        )
    )
    assert plan.bridge_bolus is not None
    assert plan.bridge_bolus.volume == Volume(250, "µL")
    assert plan.bridge_bolus.duration == days(Fraction(5, 6))
    assert plan.priming_bolus is not None
    assert plan.priming_bolus.volume == Volume(250, "µL")
    priming = next(f for f in plan.findings if f.rule == "priming_bolus")
    assert priming.level is Level.WARNING
    assert "supervision" in priming.message


def test_a_drug_without_stability_data_is_refilled_within_the_maximum_interval():
    # compounded hydromorphone, 40 mL at 0.1 mL/day: the alarm would be 380 days away
    plan = plan_refill(
        _request(
            filled=ml(40),
            reservoir=ml(40),
            drugs=("hydromorphone",),
            mean_daily_volume=VolumeRate.parse("0.1 mL/day"),
        )
    )
    assert plan.due.after == CONFIG.max_refill_interval.value
    assert plan.due.binding_stability is not None
    assert plan.due.binding_stability.basis == "the maximum refill interval"
