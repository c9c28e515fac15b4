"""Chart plots: deterministic, accessible inline SVG that marks what the clinician needs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from intrathecal.clinic.records import Refill
from intrathecal.core.quantities import Concentration, Volume, VolumeRate
from intrathecal.core.trial_config import load_trial_config
from intrathecal.core.trial_record import trial_record_from_dict
from intrathecal.web.plots import pain_score_svg, project_last_fill, reservoir_svg

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def _trial() -> object:
    return trial_record_from_dict(
        {
            "drug": "morphine",
            "baseline": {"nrs": 8},
            "injections": [{"at": "0 h", "dose": "0.2 mg"}],
            "scores": [{"at": "2 h", "nrs": 4}, {"at": "6 h", "nrs": 3}],
        },
        load_trial_config().side_effects,
    )


def _refill(day: int, added: str, expected: str, measured: str, flag: bool = False) -> Refill:
    at = T0 + timedelta(days=day)
    return Refill(
        id=day,
        patient_id=1,
        implant_id=1,
        performed_at=at,
        drug="morphine",
        lot="L",
        concentration=Concentration.parse("10 mg/mL"),
        expected_residual=Volume.parse(expected),
        measured_residual=Volume.parse(measured),
        discrepancy=Volume.parse(measured) - Volume.parse(expected),
        discrepancy_flag=flag,
        volume_added=Volume.parse(added),
        alarm_date=(at + timedelta(days=30)).date(),
        next_due=(at + timedelta(days=23)).date(),
        performed_by=1,
    )


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_pain_plot_is_an_inline_svg_with_an_accessible_title_and_threshold() -> None:
    svg = pain_score_svg(_trial(), Fraction(50))  # type: ignore[arg-type]
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    assert "success threshold (50 % relief)" in _texts(svg)
    assert "hours after the first injection" in _texts(svg)


def test_plots_are_deterministic() -> None:
    refills = [_refill(0, "18 mL", "0 mL", "0 mL"), _refill(20, "18 mL", "8 mL", "8.2 mL")]
    rate = VolumeRate.parse("0.5 mL/day")
    assert reservoir_svg(refills, rate) == reservoir_svg(refills, rate)
    trial = _trial()
    assert pain_score_svg(trial) == pain_score_svg(trial)  # type: ignore[arg-type]


def test_reservoir_plot_marks_alarm_due_and_empty_dates_of_the_last_fill() -> None:
    refills = [_refill(0, "18 mL", "0 mL", "0 mL"), _refill(20, "18 mL", "8 mL", "11 mL", True)]
    svg = reservoir_svg(refills, VolumeRate.parse("0.5 mL/day"))
    text = _texts(svg)
    last = refills[-1]
    assert f"low-reservoir alarm {last.alarm_date}" in text
    assert f"next refill due {last.next_due}" in text
    # 18 mL at 0.5 mL/day is empty 36 days after the last fill
    assert f"empty {(last.performed_at + timedelta(days=36)):%Y-%m-%d}" in text
    assert "residual measured" in text


def test_projection_of_last_fill_uses_exact_refill_arithmetic() -> None:
    last = _refill(0, "20 mL", "0 mL", "0 mL")
    projection = project_last_fill(last, VolumeRate.parse("0.3 mL/day"))
    # 20 / 0.3 = 66 2/3 days exactly, rounded down to the microsecond
    assert projection.empty_at == T0 + timedelta(days=66, hours=16)
    assert projection.alarm_date.date() == last.alarm_date
    assert projection.next_due.date() == date(2026, 10, 24)


def test_reservoir_plot_without_refills_is_an_empty_axis() -> None:
    svg = reservoir_svg([], None)
    assert "reservoir (mL)" in _texts(svg)
