"""Navigation by role: which links the page header shows to whom (one table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intrathecal.clinic.permissions import Action, Role, allowed


@dataclass(frozen=True)
class Link:
    """One navigation entry."""

    label: str
    href: str


PUBLIC_LINKS: tuple[Link, ...] = (
    Link("About the pump", "/"),
    Link("Insurance", "/insurance"),
    Link("Locations", "/locations"),
    Link("Request an appointment", "/request-appointment"),
)

#: Role -> links shown once logged in. Clinician pages add their entries here.
ROLE_LINKS: Mapping[Role, tuple[Link, ...]] = {
    Role.PHYSICIAN: (
        Link("Worklist", "/clinic/worklist"),
        Link("Patients", "/clinic/patients"),
        Link("Co-signatures", "/clinic/cosign"),
    ),
    Role.NURSE: (Link("Worklist", "/clinic/worklist"), Link("Patients", "/clinic/patients")),
    Role.SCHEDULER: (
        Link("Requests", "/scheduler/requests"),
        Link("Calendar", "/scheduler/calendar"),
    ),
    Role.ADMIN: (
        Link("Users", "/admin/users"),
        Link("Audit", "/admin/audit"),
        Link("Reference data", "/admin/reference"),
    ),
    Role.PATIENT: (
        Link("My pump", "/portal"),
        Link("Alarms and warning signs", "/portal/safety"),
        Link("My appointments", "/portal/appointments"),
    ),
}

#: Where each role lands after logging in.
HOME: Mapping[Role, str] = {role: links[0].href for role, links in ROLE_LINKS.items()}


def links_for(role: Role | None) -> tuple[Link, ...]:
    """The navigation of a visitor (``None``) or a logged-in role."""
    if role is None:
        return PUBLIC_LINKS
    return ROLE_LINKS[role]


#: The patient banner's pages (``/clinic/patients/{id}`` + suffix), each with the action its
#: page requires: a role sees only the pages it may open.
PATIENT_PAGES: tuple[tuple[str, str, Action], ...] = (
    ("Chart", "", Action.WORKLIST_READ),
    ("Refill", "/refill", Action.REFILL_RECORD),
    ("Program", "/program", Action.PRESCRIPTION_PROGRAM),
    ("Adverse event", "/adverse-event", Action.ADVERSE_EVENT_RECORD),
    ("Evaluation", "/evaluation", Action.EVALUATION_RECORD),
    ("Trial", "/trial", Action.TRIAL_RECORD),
    ("Dosing profile", "/dosing-profile", Action.PATIENT_UPDATE),
    ("Implant", "/implant", Action.IMPLANT_RECORD),
    ("After-visit summary", "/summary", Action.WORKLIST_READ),
)


def patient_links(role: str, patient_id: int) -> tuple[Link, ...]:
    """The banner's links to one patient's pages that ``role`` may open."""
    base = f"/clinic/patients/{patient_id}"
    return tuple(
        Link(label, base + suffix)
        for label, suffix, action in PATIENT_PAGES
        if allowed(role, action)
    )
