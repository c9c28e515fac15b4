"""Web test fixtures: the app on a migrated SQLite or PostgreSQL database, and a form client.

The database fixtures are the API tests' (one fresh database per test, both backends).
``WebClient`` reads the CSRF token from each page it gets and sends it back with forms,
as a browser does.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
    PG_ADMIN,
    _pg_exec,
    database_url,
    pg_database,
    pg_url,
    settings,
    sqlite_template,
)
from tests.storage.dbs import require_postgres
from tests.web.live import DEMO, Axe, LiveServer, chromium_missing, launch_chromium, live_server

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


# --- browser tests --------------------------------------------------------------------------


class Visit:
    """A chromium page on the live server that runs axe-core on every page it lands on."""

    def __init__(self, page: Any, base: str, axe: Axe) -> None:
        self.page = page
        self.base = base
        self.axe = axe
        self.landed: list[str] = []
        page.on("framenavigated", self._record)

    def _record(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.landed.append(frame.url)

    def goto(self, path: str) -> Any:
        """Open ``path`` and check its accessibility."""
        self.page.goto(self.base + path)
        self.axe.check(self.page)
        return self.page

    def submit(self, button: str) -> Any:
        """Click the named button, wait for the next page and check it."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()
        self.axe.check(self.page)
        return self.page

    def login(self, role: str) -> Any:
        """Log in as the demo user of ``role`` through the login form."""
        username, password = DEMO[role]
        self.goto("/login")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        return self.submit("Log in")

    def unchecked(self) -> list[str]:
        """Pages the browser landed on that axe did not check."""
        return [url for url in self.landed if url not in self.axe.checked]


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo clinic served on a real port, once per backend and test worker."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("live") / "clinic.db"
        with live_server(f"sqlite:///{path}") as server:
            yield server
        return
    require_postgres(PG_ADMIN)
    name = f"it_live_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"
    _pg_exec(f'CREATE DATABASE "{name}"')
    try:
        with live_server(pg_url(name)) as server:
            yield server
    finally:
        _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium under Playwright; a missing browser FAILS the test (never skips)."""
    missing = chromium_missing()
    if missing:
        pytest.fail(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_visit(live: LiveServer, chromium: Any) -> Iterator[Callable[[], Visit]]:
    """Opens browser contexts (own cookies each) at tablet size; axe must check every page."""
    opened: list[tuple[Any, Visit]] = []

    def open_one() -> Visit:
        context = chromium.new_context(viewport={"width": 1024, "height": 768})
        visitor = Visit(context.new_page(), live.url, Axe())
        opened.append((context, visitor))
        return visitor

    try:
        yield open_one
        for _, visitor in opened:
            assert not visitor.unchecked(), f"pages not checked by axe: {visitor.unchecked()}"
    finally:
        for context, _ in opened:
            context.close()
