"""Browser-test support: the app under uvicorn on a fresh demo database, chromium, axe-core.

``live_server`` migrates a new SQLite database, loads the demo (through the use cases, as
``serve --demo`` does) and runs the whole application in a thread on a free port.
``chromium`` drives Debian's chromium through Playwright (never a downloaded browser).
``assert_accessible`` runs axe-core in the page and fails on serious or critical issues.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from intrathecal.bootstrap import Services, create_app
from intrathecal.clinic.demo import load_demo
from intrathecal.clinic.reference import sync_locations
from intrathecal.settings import Settings
from intrathecal.storage.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Tablet width: the programmers clinicians know are tablets.
TABLET = {"width": 820, "height": 1180}


@dataclass(frozen=True)
class LiveServer:
    """Where the running application answers, and its services (for test set-up)."""

    url: str
    services: Services


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The application with the demo data, served on 127.0.0.1 until the block ends."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    settings = Settings(database_url=url, fast_password_hashing=True)
    services = Services.build(settings)
    sync_locations(services.uow_factory())
    load_demo(services.uow_factory, services.auth)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", services)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian chromium under Playwright; skipped when either is missing."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def assert_accessible(page: object) -> None:
    """axe-core in the page: no serious or critical violation (WCAG 2 A/AA rules)."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe.Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, "accessibility violations:\n" + "\n".join(bad)
