"""A live clinic server for browser tests and screenshots: demo data, a real socket, chromium.

``live_server(url)`` migrates the database, loads the demo patients and logins, and serves
the whole application (API and pages) with uvicorn in a thread on a free loopback port.
``launch_chromium(playwright)`` starts Debian's chromium (never a downloaded browser).
``Axe`` runs axe-core in the page and fails on serious or critical violations.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from intrathecal.bootstrap import create_app
from intrathecal.clinic.demo import load_demo
from intrathecal.clinic.reference import sync_locations
from intrathecal.settings import Settings
from intrathecal.storage.migrate import upgrade
from tests.api.conftest import TEST_AUDIT_KEY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where ``INTRATHECAL_SCREENSHOTS=1`` saves the README's screenshots.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE_JS = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
#: axe-core rule tags checked on every page: WCAG 2.1 A and AA, plus best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
DEMO = {
    "physician": ("dr.demo", "demo-physician-pass"),
    "nurse": ("nurse.demo", "demo-nurse-pass"),
    "scheduler": ("scheduler.demo", "demo-scheduler-pass"),
    "admin": ("admin.demo", "demo-admin-pass"),
    "patient": ("patient.demo", "demo-patient-pass"),
}


def chromium_missing() -> str | None:
    """Why the browser tests cannot run, or None."""
    if shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} is missing: install it with 'apt-get install -y chromium'"
    return None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL and the app's services (for direct checks)."""

    url: str
    services: Any


@contextmanager
def live_server(database_url: str) -> Iterator[LiveServer]:
    """Serve the demo clinic on ``database_url`` (an empty database) until the block ends."""
    upgrade(database_url)
    settings = Settings(
        database_url=database_url, fast_password_hashing=True, audit_key=TEST_AUDIT_KEY
    )
    app = create_app(settings)
    services = app.state.context
    sync_locations(services.uow_factory())
    load_demo(services.uow_factory, services.auth)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
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


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium, headless, with the project's flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def screenshot(page: Any, name: str) -> None:
    """Save ``docs/screenshots/<name>.png`` when ``INTRATHECAL_SCREENSHOTS`` is set."""
    if os.environ.get("INTRATHECAL_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


class AccessibilityViolations(AssertionError):
    """axe-core found serious or critical problems on a page."""


class Axe:
    """Runs axe-core in a page; remembers which addresses it checked."""

    def __init__(self) -> None:
        self.source = AXE_JS.read_text("utf-8")
        self.checked: list[str] = []

    def check(self, page: Any) -> None:
        """Run axe on the page as it is now; raise on serious or critical violations."""
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=self.source)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        self.checked.append(page.url)
        if blocking:
            summary = [
                {
                    "rule": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [n["target"] for n in v["nodes"][:5]],
                }
                for v in blocking
            ]
            raise AccessibilityViolations(
                f"axe-core on {page.url}:\n{json.dumps(summary, indent=2)}"
            )
