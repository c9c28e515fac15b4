"""The rule lists the policy runs: every program rule, and every trial-dose rule, in order."""

from __future__ import annotations

from intrathecal.core.safety.context import Rule
from intrathecal.core.safety.rules_admin import (
    continuous_only,
    first_fill_undiluted,
    flex_steps,
    no_admixture,
)
from intrathecal.core.safety.rules_dose import (
    granuloma_risk,
    max_concentration,
    max_daily_dose,
    patient_bolus_size,
    starting_dose,
    unit_slip,
    worst_case_daily_dose_rule,
)
from intrathecal.core.safety.rules_opioid import (
    opioid_combined_ceiling,
    opioid_start,
    opioid_switch,
)
from intrathecal.core.safety.rules_pump import pump_rate_range
from intrathecal.core.safety.rules_titration import (
    contraindication,
    dose_decrease,
    dose_increase,
    titration_frequency,
    titration_start,
    titration_step,
    titration_window_24h,
)
from intrathecal.core.safety.trial_doses import TrialRule, screening_spacing, trial_bolus_range

RULES: tuple[Rule, ...] = (
    max_daily_dose,
    worst_case_daily_dose_rule,
    opioid_combined_ceiling,
    max_concentration,
    unit_slip,
    dose_increase,
    dose_decrease,
    titration_start,
    titration_step,
    titration_frequency,
    titration_window_24h,
    opioid_start,
    opioid_switch,
    starting_dose,
    contraindication,
    continuous_only,
    first_fill_undiluted,
    no_admixture,
    flex_steps,
    pump_rate_range,
    granuloma_risk,
    patient_bolus_size,
)

TRIAL_RULES: tuple[TrialRule, ...] = (trial_bolus_range, screening_spacing)
