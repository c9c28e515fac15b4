"""The clinic's closed vocabularies, defined once: the use cases validate against them and
the API schemas use the same ``Literal`` types."""

from __future__ import annotations

from typing import Literal, get_args

Sex = Literal["female", "male", "other", "unknown"]
Indication = Literal["non_cancer", "cancer", "spasticity"]
Contraindication = Literal[
    "active_infection",
    "sepsis",
    "coagulopathy",
    "uncontrolled_anticoagulation",
    "untreated_addiction",
    "uncontrolled_mental_illness",
]
Incision = Literal["abdomen", "back"]
#: A prescription version's state: ``pending`` waits for a second clinician's co-signature
#: (never in force, never sent to a pump); ``withdrawn`` pending requests were overtaken by
#: a newer version; ``rejected`` ones were declined by the co-signer.
PrescriptionStatus = Literal["active", "superseded", "pending", "rejected", "withdrawn"]
CosignDecision = Literal["confirm", "reject"]
#: The risks listed on the clinic's page (shared/seed/clinic-page.txt), as category keys, and
#: a new neurological deficit (the sign of nerve damage or granuloma that needs a work-up).
Category = Literal[
    "medication_side_effect",
    "nerve_damage",
    "neurological_deficit",
    "infection",
    "granuloma",
    "programming_error",
    "catheter_fault",
    "csf_leak",
    "hygroma",
    "seroma",
    "endocrine_change",
    "tolerance",
]
Severity = Literal["mild", "moderate", "severe", "life_threatening", "fatal"]
Outcome = Literal["ongoing", "resolved", "resolved_with_sequelae", "fatal", "unknown"]
VisitKind = Literal[
    "evaluation",
    "trial",
    "implant",
    "implant_follow_up",
    "wound_check",
    "refill",
    "adjustment",
    "endocrine_review",
]
PumpAlarm = Literal[
    "empty_reservoir",
    "motor_stall",
    "end_of_service",
    "low_battery_reset",
    "catheter_fault",
    "low_reservoir",
    "elective_replacement",
]

#: The steps of a guided refill, in order (SynchroMed/Prometra refill practice, devices.md).
RefillStep = Literal[
    "interrogate",
    "locate_port_template",
    "aspirate_residual",
    "inject_through_filter",
    "update_pump",
    "review_settings",
    "counsel_patient",
]
#: The battery state an interrogation reports.
Battery = Literal["ok", "eri", "eos"]

SEXES: tuple[Sex, ...] = get_args(Sex)
INDICATIONS: tuple[Indication, ...] = get_args(Indication)
CONTRAINDICATION_CODES: tuple[Contraindication, ...] = get_args(Contraindication)
INCISIONS: tuple[Incision, ...] = get_args(Incision)
CATEGORY_CODES: tuple[Category, ...] = get_args(Category)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
VISIT_KINDS: tuple[VisitKind, ...] = get_args(VisitKind)
PUMP_ALARMS: tuple[PumpAlarm, ...] = get_args(PumpAlarm)
REFILL_STEPS: tuple[RefillStep, ...] = get_args(RefillStep)
BATTERY_STATES: tuple[Battery, ...] = get_args(Battery)
#: Adverse-event categories that need an urgent work-up (a new neurological deficit may be a
#: catheter-tip granuloma compressing the cord; an infection may reach the meninges).
WORKUP_CATEGORIES: tuple[Category, ...] = (
    "neurological_deficit",
    "nerve_damage",
    "granuloma",
    "infection",
)
