"""Hypothesis strategies for the worklist's read model, shared by clinic and storage tests."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from intrathecal.clinic.records import CareStatus


def care_statuses(
    around: date, span_days: int, *, discrepancy_ml: float, dose_rise_pct: float
) -> st.SearchStrategy[CareStatus]:
    """Worklist inputs with every flag random and every date within ``span_days`` of ``around``
    (or absent); the caller sets ``patient_id``."""
    dates = st.one_of(
        st.none(),
        st.integers(-span_days, span_days).map(lambda d: around + timedelta(days=d)),
    )
    return st.builds(
        CareStatus,
        patient_id=st.just(0),
        is_baclofen=st.booleans(),
        on_opioid=st.booleans(),
        granuloma_risk=st.booleans(),
        rising_dose=st.booleans(),
        discrepancy_flag=st.booleans(),
        discrepancy_ml=st.just(discrepancy_ml),
        dose_rise_pct=st.just(dose_rise_pct),
        eri_due=dates,
        alarm_date=dates,
        refill_due=dates,
        endocrine_due=dates,
        wound_check_due=dates,
        device_alert=st.just("pump alarm: motor_stall"),
        device_alert_since=dates,
    )
