"""The clinic CLI: db upgrade, users create, audit verify, serve."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from intrathecal.cli import app
from intrathecal.storage.migrate import current

runner = CliRunner()


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'clinic.db'}"


def test_db_upgrade_creates_the_schema_and_is_repeatable(tmp_path: Path) -> None:
    url = _url(tmp_path)
    first = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert current(url) is not None
    again = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert again.exit_code == 0
    assert "up to date" in again.output


def test_db_upgrade_reads_the_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("INTRATHECAL_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_users_create_reads_password_from_stdin_and_audits_it(tmp_path: Path) -> None:
    url = _url(tmp_path)
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "Admin.One",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            url,
        ],
        input="a-long-admin-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "admin login 'admin.one'" in result.output
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        (stored,) = conn.execute("SELECT password_hash FROM users").fetchone()
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_pending")]
    assert stored.startswith("$argon2id$")
    assert "a-long-admin-password" not in stored
    assert "user.created" in actions


def test_users_create_refuses_an_unknown_role_with_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "x1",
            "--role",
            "superuser",
            "--password-stdin",
            "--database-url",
            _url(tmp_path),
        ],
        input="whatever-password\n",
    )
    assert result.exit_code == 2
    assert "unknown role" in result.output


def test_users_create_refuses_a_short_password_and_a_duplicate(tmp_path: Path) -> None:
    url = _url(tmp_path)
    args = [
        "users",
        "create",
        "nurse1",
        "--role",
        "nurse",
        "--password-stdin",
        "--database-url",
        url,
    ]
    short = runner.invoke(app, args, input="short\n")
    assert short.exit_code == 2
    assert "at least 15" in short.output
    assert runner.invoke(app, args, input="plum-harbour-quietly-7\n").exit_code == 0
    dup = runner.invoke(app, args, input="violet-rivers-under-lanterns\n")
    assert dup.exit_code == 2
    assert "taken" in dup.output


AUDIT_KEY = "ab" * 32


@pytest.fixture
def audit_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The audit chain's key, configured the production way (environment)."""
    monkeypatch.setenv("INTRATHECAL_AUDIT_KEY", AUDIT_KEY)
    return AUDIT_KEY


def _seed_audit(tmp_path: Path) -> str:
    url = _url(tmp_path)
    for name in ("a1", "a2", "a3"):
        result = runner.invoke(
            app,
            ["users", "create", name, "--role", "admin", "--password-stdin", "--database-url", url],
            input="a-long-admin-password\n",
        )
        assert result.exit_code == 0, result.output
    sealed = runner.invoke(app, ["audit", "seal", "--database-url", url])
    assert "sealed 4 audit entries" in sealed.output, sealed.output
    return url


def test_audit_verify_passes_on_an_intact_chain(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 0, result.output
    # the first upgrade's location sync, then three users (later syncs change nothing)
    assert "intact: 4 entries" in result.output


def test_audit_commands_without_a_key_say_how_to_set_one(tmp_path: Path) -> None:
    url = _url(tmp_path)
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 2
    assert "INTRATHECAL_AUDIT_KEY" in result.output


def test_audit_verify_with_another_key_fails(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    other = runner.invoke(
        app,
        ["audit", "verify", "--no-seal", "--database-url", url],
        env={"INTRATHECAL_AUDIT_KEY": "cd" * 32},
    )
    assert other.exit_code == 1
    assert "BROKEN at seq 1" in other.output


def test_an_exported_anchor_exposes_a_cut_off_tail(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    exported = runner.invoke(app, ["audit", "anchor", "--database-url", url])
    assert exported.exit_code == 0, exported.output
    anchor_file = tmp_path / "anchor.json"
    anchor_file.write_text(exported.stdout)
    assert json.loads(exported.stdout)["seq"] == 4
    ok = runner.invoke(
        app, ["audit", "verify", "--anchor", str(anchor_file), "--database-url", url]
    )
    assert ok.exit_code == 0, ok.output
    assert "matches the anchor at seq 4" in ok.output
    with sqlite3.connect(tmp_path / "clinic.db") as conn:  # cut the tail, fix up the head
        conn.execute("DELETE FROM audit_log WHERE seq = 4")
        (last,) = conn.execute("SELECT hash FROM audit_log WHERE seq = 3").fetchone()
        conn.execute("UPDATE audit_head SET last_seq = 3, last_hash = ?", (last,))
    plain = runner.invoke(app, ["audit", "verify", "--no-seal", "--database-url", url])
    assert plain.exit_code == 0  # the key alone cannot see a cut-off tail
    cut = runner.invoke(
        app, ["audit", "verify", "--no-seal", "--anchor", str(anchor_file), "--database-url", url]
    )
    assert cut.exit_code == 1
    assert "anchor" in cut.output


def test_audit_verify_fails_with_the_first_tampered_row(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        details = json.loads(
            conn.execute("SELECT details FROM audit_log WHERE seq = 2").fetchone()[0]
        )
        details["role"] = "physician"
        conn.execute("UPDATE audit_log SET details = ? WHERE seq = 2", (json.dumps(details),))
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1
    assert "BROKEN at seq 2" in result.output


def test_audit_verify_fails_when_a_row_is_deleted(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1
    assert "seq 3" in result.output


def test_a_database_that_cannot_be_opened_is_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 2
    assert "cannot open or upgrade" in result.output


@pytest.mark.parametrize("command", [["db", "upgrade"], ["schedule", "refills", "--as", "x"]])
def test_a_database_other_than_sqlite_or_postgresql_is_named_as_such(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--database-url", "mysql://clinic@db/clinic"])
    assert result.exit_code == 2
    assert "runs on SQLite (sqlite:///FILE) or PostgreSQL" in result.output
    assert "not mysql" in result.output


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}/never-created.db",
        "sqlite:///{tmp}/missing-dir/x.db",
        "sqlte:///{tmp}/typo.db",
        "postgresql://postgres@127.0.0.1:1/test",
        "postgresql://postgres@127.0.0.1:5432/no_such_clinic_db",
    ],
)
def test_audit_verify_on_a_missing_or_mistyped_database_is_one_line_exit_2(
    tmp_path: Path, url: str
) -> None:
    before = set(tmp_path.rglob("*"))
    result = runner.invoke(app, ["audit", "verify", "--database-url", url.format(tmp=tmp_path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error:")
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert set(tmp_path.rglob("*")) == before


def test_audit_verify_on_a_file_without_the_schema_is_exit_2(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 2
    assert "no clinic schema" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_serve_with_demo_answers_health_and_demo_login(tmp_path: Path) -> None:
    port = _free_port()
    url = _url(tmp_path)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    script = Path(sys.executable).with_name("intrathecal")
    command = [str(script), "serve", "--demo", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "serve did not answer /health in time"
            time.sleep(0.3)
        from intrathecal.clinic.demo import DEMO_PASSWORDS

        username, (_, password) = next(iter(DEMO_PASSWORDS.items()))
        login = httpx.post(
            f"{base}/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert login.status_code == 200
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/docs" in output
    assert "DEMO ONLY" in output


def test_audit_verify_fails_when_the_newest_row_is_deleted(tmp_path: Path, audit_key: str) -> None:
    url = _seed_audit(tmp_path)
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 3")
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1
    assert "BROKEN" in result.output
