"""A clinic patient for the clinician page tests, built through the use cases."""

from __future__ import annotations

from dataclasses import dataclass

from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Actor
from intrathecal.clinic.reference import sync_locations
from tests.clinic.builders import programmed
from tests.clinic.conftest import Staff
from tests.web.conftest import Web, WebClient


@dataclass(frozen=True)
class Clinic:
    """The staff logins and one implanted, programmed morphine patient."""

    web: Web
    staff: Staff
    patient_id: int

    def client(self, username: str) -> WebClient:
        """A browser-like client logged in as one of the staff."""
        visitor = self.web.client()
        visitor.login(username)
        return visitor


def make_clinic(web: Web) -> Clinic:
    """Create the staff (password: the shared test password) and the patient."""
    sync_locations(web.context.uow_factory())  # idempotent; the template may lack them
    actors = {}
    for name, role in (
        ("dr.ada", Role.PHYSICIAN),
        ("dr.ben", Role.PHYSICIAN),
        ("nurse.cy", Role.NURSE),
        ("sched.di", Role.SCHEDULER),
        ("admin.ed", Role.ADMIN),
    ):
        actors[name] = Actor(web.user(name, role), name, role.value, "127.0.0.1")
    staff = Staff(
        actors["dr.ada"],
        actors["dr.ben"],
        actors["nurse.cy"],
        actors["sched.di"],
        actors["admin.ed"],
    )
    patient = programmed(web.context.uow_factory(), staff, mrn="WEB-1")
    assert patient.id is not None
    return Clinic(web, staff, patient.id)
