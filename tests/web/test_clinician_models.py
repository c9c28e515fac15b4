"""Clinician view models: wording and arrangement only, from use-case results."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import (
    Implant,
    PrescriptionVersion,
    Refill,
    WorklistItem,
)
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Concentration, DoseRate, Volume
from intrathecal.web.clinician_forms import program_form, read_program
from intrathecal.web.clinician_models import (
    after_visit_summary,
    compare_settings,
    due_phrase,
    worklist_rows,
)

TODAY = date(2026, 11, 28)
MORPHINE = {"solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
            "basal": {"continuous": "0.3 mL/day"}}  # fmt: skip


def test_due_phrase_words_overdue_today_and_future() -> None:
    assert due_phrase(date(2026, 11, 25), TODAY) == "overdue 3 days"
    assert due_phrase(date(2026, 11, 27), TODAY) == "overdue 1 day"
    assert due_phrase(TODAY, TODAY) == "due today"
    assert due_phrase(date(2026, 11, 29), TODAY) == "due in 1 day"
    assert due_phrase(None, TODAY) == "no date"


def test_worklist_rows_keep_the_use_case_order_and_label_kinds() -> None:
    items = [
        WorklistItem(6, "Roe, Bo", "refill", date(2026, 11, 20), "critical", "x", True),
        WorklistItem(5, "Doe, Al", "discrepancy", None, "high", "y"),
    ]
    rows = worklist_rows(items, TODAY)
    assert [r.item.patient_id for r in rows] == [6, 5]
    assert [r.kind_label for r in rows] == ["Refill", "Refill discrepancy"]
    assert rows[0].overdue
    assert rows[0].due_text == "overdue 8 days"
    assert not rows[1].overdue


def test_compare_settings_marks_what_changed_side_by_side() -> None:
    new = prescription_from_dict({**MORPHINE, "basal": {"continuous": "0.4 mL/day"}})
    rows = {r.label: r for r in compare_settings(prescription_from_dict(MORPHINE), new)}
    assert rows["morphine concentration"].old == rows["morphine concentration"].new
    assert not rows["morphine concentration"].changed
    assert rows["morphine daily dose"].old == "3 mg/day"
    assert rows["morphine daily dose"].new == "4 mg/day"
    assert rows["morphine daily dose"].changed
    assert rows["basal"].new == "continuous 0.4 mL/day"


def test_compare_settings_with_no_previous_program_shows_dashes() -> None:
    rows = compare_settings(None, prescription_from_dict(MORPHINE))
    assert rows
    assert all(r.old == "—" and r.changed for r in rows)


def test_after_visit_summary_lists_drug_concentration_dose_volumes_and_dates() -> None:
    at = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
    rx = PrescriptionVersion(
        1, 1, 1, 2, prescription_from_dict(MORPHINE), "morphine", DoseRate.parse("3 mg/day"),
        Concentration.parse("10 mg/mL"), (), 1, at,
    )  # fmt: skip
    implant = Implant(
        1, 1, date(2026, 1, 5), "H", "S", 2, "synchromed-ii-20", "NGP1", Volume.parse("20 mL"),
        Decimal(45), "T10", Volume.parse("0.1 mL"), (), "1-2 weeks", 1,
    )  # fmt: skip
    refill = Refill(
        1, 1, 1, at, "morphine", "LOT", Concentration.parse("10 mg/mL"), Volume.parse("2 mL"),
        Volume.parse("2.5 mL"), Volume.parse("0.5 mL"), False, Volume.parse("18 mL"),
        date(2027, 1, 20), date(2027, 1, 13), 1,
    )  # fmt: skip
    summary = after_visit_summary(rx, implant, refill)
    assert summary.drugs == (("morphine", "10 mg/mL", "3 mg/day"),)
    assert summary.volume_added == "18 mL"
    assert summary.residual == "2.5 mL measured, 2 mL expected"
    assert summary.alarm_date == "2027-01-20"
    assert summary.next_refill == "2027-01-13"
    assert summary.program_confirmed == "not yet confirmed on the pump"
    assert "synchromed-ii-20" in summary.pump


def test_after_visit_summary_without_records_shows_dashes() -> None:
    summary = after_visit_summary(None, None, None)
    assert summary.drugs == ()
    assert summary.next_refill == "—"


def test_program_form_round_trips_the_shapes_the_form_shows() -> None:
    spec = {**MORPHINE, "patient_bolus": {"volume": "0.02 mL", "duration": "5 min",
                                          "lockout": "4 h", "max_per_day": 4}}  # fmt: skip
    form = program_form(prescription_from_dict(spec))
    assert form["pb_max_per_day"] == "4"
    assert read_program(form) == prescription_from_dict(spec)


def test_read_program_names_the_form_field_at_fault() -> None:
    bad = {"drug": "morphine", "concentration": "10", "basal_rate": "0.3 mL/day"}
    with pytest.raises(ValidationFailed, match=r"^concentration: "):
        read_program(bad)
    with pytest.raises(ValidationFailed, match=r"^basal_rate: "):
        read_program({**bad, "concentration": "10 mg/mL", "basal_rate": ""})
