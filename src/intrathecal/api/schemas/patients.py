"""Request and response models for patient records (demographics, diagnoses, coverage)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from intrathecal.api.fields import Day, Name, TextRule
from intrathecal.api.schemas.adapt import command_from
from intrathecal.api.schemas.auth import Strict
from intrathecal.clinic import patients
from intrathecal.clinic.commands import RegisterPatient, UpdatePatient
from intrathecal.clinic.records import Coverage, Diagnosis, Patient
from intrathecal.clinic.vocabulary import Sex

IcdCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=3,
        max_length=8,
        pattern=r"^[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?$",
    ),
]
Short = Annotated[str, TextRule(40)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=200, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Mrn = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$"
    ),
]
LocationCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$"
    ),
]


class DiagnosisIn(Strict):
    """An ICD-10-CM coded diagnosis; the description is filled in for known codes."""

    code: IcdCode = Field(examples=["M96.1"])
    description: Annotated[str, TextRule(300)] = ""
    primary: bool = False

    def to_record(self) -> Diagnosis:
        """As a clinic record."""
        return Diagnosis(self.code, self.description, self.primary)


class CoverageIn(Strict):
    """Insurance coverage: an accepted insurer (key or name) and the member id."""

    insurer: Annotated[str, TextRule(60, 1)] = Field(examples=["medicare"])
    member_id: Annotated[str, TextRule(80, 1)]
    group_number: Annotated[str, TextRule(80)] = ""

    def to_record(self) -> Coverage:
        """As a clinic record."""
        return Coverage(self.insurer, self.member_id, self.group_number)


def _records(items: list[DiagnosisIn] | list[CoverageIn]) -> tuple[Any, ...]:
    return tuple(item.to_record() for item in items)


class PatientCreate(Strict):
    """A new patient record."""

    mrn: Mrn = Field(examples=["MRN-0042"])
    given_name: Name
    family_name: Name
    birth_date: Day
    sex: Sex
    phone: Short = ""
    email: Email = ""
    location_code: LocationCode | None = None
    diagnoses: list[DiagnosisIn] = Field(default_factory=list, max_length=20)
    coverage: list[CoverageIn] = Field(default_factory=list, max_length=5)

    def command(self) -> RegisterPatient:
        """The registration command."""
        return command_from(
            RegisterPatient,
            self,
            diagnoses=_records(self.diagnoses),
            coverage=_records(self.coverage),
        )


class PatientPatch(Strict):
    """Changes to a patient record; omitted fields stay as they are.

    Send the version you read as ``If-Match: "N"`` (or in ``version``); a record changed
    by someone else since then answers 409.
    """

    version: int | None = Field(default=None, ge=1, le=2**31 - 1)
    given_name: Name | None = None
    family_name: Name | None = None
    phone: Short | None = None
    email: Email | None = None
    location_code: LocationCode | None = None
    diagnoses: list[DiagnosisIn] | None = Field(default=None, max_length=20)
    coverage: list[CoverageIn] | None = Field(default=None, max_length=5)

    def command(self, patient_id: int, version: int) -> UpdatePatient:
        """The update command based on the ``version`` the clinician edited."""
        return command_from(
            UpdatePatient,
            self,
            patient_id=patient_id,
            expected_version=version,
            diagnoses=None
            if self.diagnoses is None
            else tuple(d.to_record() for d in self.diagnoses),
            coverage=None if self.coverage is None else tuple(c.to_record() for c in self.coverage),
        )


class DiagnosisOut(BaseModel):
    """A coded diagnosis."""

    code: str
    description: str
    primary: bool


class CoverageOut(BaseModel):
    """An insurance coverage."""

    insurer: str
    member_id: str
    group_number: str


class PatientOut(BaseModel):
    """A patient record; ``version`` is also sent as the ``ETag`` header."""

    id: int
    mrn: str
    given_name: str
    family_name: str
    display_name: str
    birth_date: Day
    sex: str
    phone: str
    email: str
    location_code: str | None
    diagnoses: list[DiagnosisOut]
    coverage: list[CoverageOut]
    created_at: datetime
    version: int

    @classmethod
    def of(cls, p: Patient) -> PatientOut:
        """From a patient record."""
        assert p.id is not None
        return cls(
            id=p.id,
            mrn=p.mrn,
            given_name=p.given_name,
            family_name=p.family_name,
            display_name=p.display_name,
            birth_date=p.birth_date,
            sex=p.sex,
            phone=p.phone,
            email=p.email,
            location_code=p.location_code,
            diagnoses=[
                DiagnosisOut(code=d.code, description=d.description, primary=d.primary)
                for d in p.diagnoses
            ],
            coverage=[
                CoverageOut(insurer=c.insurer, member_id=c.member_id, group_number=c.group_number)
                for c in p.coverage
            ],
            created_at=p.created_at,
            version=p.version,
        )


class PatientSummary(BaseModel):
    """A patient in a list."""

    id: int
    mrn: str
    display_name: str
    birth_date: Day
    version: int

    @classmethod
    def of(cls, p: patients.PatientSummary) -> PatientSummary:
        """From the search use case's summary."""
        return cls(
            id=p.id,
            mrn=p.mrn,
            display_name=p.display_name,
            birth_date=p.birth_date,
            version=p.version,
        )
