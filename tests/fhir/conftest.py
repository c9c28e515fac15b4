"""FHIR tests reuse the clinic's backends (in-memory fake, SQLite, PostgreSQL) and staff."""

from tests.clinic.conftest import staff, uow

__all__ = ["staff", "uow"]
