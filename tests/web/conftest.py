"""Web test fixtures: the app on a migrated SQLite or PostgreSQL database, and a form client.

The database fixtures are the API tests' (one fresh database per test, both backends).
``WebClient`` reads the CSRF token from each page it gets and sends it back with forms,
as a browser does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from intrathecal.bootstrap import create_app
from intrathecal.clinic.permissions import Role
from intrathecal.clinic.records import Actor
from intrathecal.clinic.reference import sync_locations
from intrathecal.settings import Settings
from tests.api.conftest import (  # noqa: F401  (fixtures shared with the API tests)
    PASSWORD,
    database_url,
    pg_database,
    settings,
    sqlite_template,
)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebClient:
    """A browser-like client: keeps cookies and the last page's CSRF token."""

    client: TestClient
    token: str = field(default="")

    def get(self, path: str) -> Response:
        """GET a page and remember its CSRF token."""
        response = self.client.get(path, follow_redirects=False)
        found = _TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def submit(self, path: str, data: dict[str, str], with_token: bool = True) -> Response:
        """POST a form as the page would (with the page's token unless told otherwise)."""
        body = {**data, "csrf_token": self.token} if with_token else dict(data)
        response = self.client.post(path, data=body, follow_redirects=False)
        found = _TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def login(self, username: str, password: str = PASSWORD) -> Response:
        """Log in through the login form."""
        self.get("/login")
        response = self.submit("/login", {"username": username, "password": password})
        assert response.status_code == 303, response.text
        self.get("/")
        return response


@dataclass
class Web:
    """The app under test, with helpers to create users and open browser-like clients."""

    app_client: TestClient

    @property
    def context(self):  # type: ignore[no-untyped-def]
        return self.app_client.app.state.context  # type: ignore[attr-defined]

    def client(self) -> WebClient:
        """A fresh visitor with its own cookie jar."""
        return WebClient(TestClient(self.app_client.app))

    def user(self, username: str, role: Role, patient_id: int | None = None) -> int:
        """Create a login with the shared test password."""
        created = self.context.auth.create_user(
            self.context.uow_factory(),
            Actor.system(),
            username,
            PASSWORD,
            role,
            patient_id=patient_id,
        )
        assert created.id is not None
        return int(created.id)

    def logged_in(self, role: Role, patient_id: int | None = None) -> WebClient:
        """A client logged in as a new user of ``role``."""
        name = f"{role.value}-web-{patient_id or 0}"
        self.user(name, role, patient_id)
        visitor = self.client()
        visitor.login(name)
        return visitor


@pytest.fixture
def web(settings: Settings) -> Iterator[Web]:  # noqa: F811
    app = create_app(settings)
    # The shared SQLite template may hold its locations only in its WAL file: sync again.
    sync_locations(app.state.context.uow_factory())
    try:
        with TestClient(app) as client:
            yield Web(client)
    finally:
        app.state.context.close()
