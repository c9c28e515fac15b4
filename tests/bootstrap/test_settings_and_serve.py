"""The one wiring place: settings from the environment and the production switches of serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from intrathecal import bootstrap
from intrathecal.bootstrap import InvalidSettings, load_settings, uvicorn_options
from intrathecal.cli import app as cli_app


def test_settings_come_from_intrathecal_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTRATHECAL_WORKERS", "3")
    monkeypatch.setenv("INTRATHECAL_COOKIE_SECURE", "true")
    monkeypatch.setenv("INTRATHECAL_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16")
    monkeypatch.setenv("INTRATHECAL_ALLOWED_HOSTS", "clinic.example,localhost")
    monkeypatch.setenv("INTRATHECAL_DATABASE_URL", "postgresql://clinic@db/clinic")
    settings = load_settings()
    assert settings.workers == 3
    assert settings.cookie_secure is True
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
    assert settings.allowed_hosts == ("clinic.example", "localhost")
    assert settings.database_url == "postgresql+psycopg://clinic@db/clinic"


def test_an_explicit_override_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTRATHECAL_DATABASE_URL", "sqlite:///from-env.db")
    assert load_settings(database_url="sqlite:///given.db").database_url == "sqlite:///given.db"
    assert load_settings(database_url=None).database_url == "sqlite:///from-env.db"


def test_defaults_trust_no_proxy_and_keep_reads_audited() -> None:
    settings = load_settings()
    assert settings.trusted_proxies == ()
    assert settings.audit_reads is True
    assert settings.tls is False


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("INTRATHECAL_WORKERS", "0", "INTRATHECAL_WORKERS"),
        ("INTRATHECAL_TRUSTED_PROXIES", "proxy.example", "INTRATHECAL_TRUSTED_PROXIES"),
        ("INTRATHECAL_TLS_CERTFILE", "/etc/cert.pem", "tls_keyfile"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidSettings) as caught:
        load_settings()
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_serve_with_a_bad_setting_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTRATHECAL_WORKERS", "many")
    result = CliRunner().invoke(
        cli_app, ["serve", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 2
    assert "INTRATHECAL_WORKERS" in result.output
    assert not (tmp_path / "x.db").exists()


def test_uvicorn_never_trusts_proxy_headers_itself() -> None:
    # uvicorn's default believes X-Forwarded-For from 127.0.0.1, which forges the address.
    options = uvicorn_options(load_settings(), "127.0.0.1", 8000)
    assert options["proxy_headers"] is False
    assert "ssl_certfile" not in options


def test_uvicorn_writes_no_access_log_line_per_request_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INTRATHECAL_ACCESS_LOG", raising=False)
    assert uvicorn_options(load_settings(), "127.0.0.1", 8000)["access_log"] is False
    monkeypatch.setenv("INTRATHECAL_ACCESS_LOG", "true")
    assert uvicorn_options(load_settings(), "127.0.0.1", 8000)["access_log"] is True


def test_tls_certificate_and_key_reach_uvicorn(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    settings = load_settings(tls_certfile=cert, tls_keyfile=key, workers=2)
    options = uvicorn_options(settings, "0.0.0.0", 8443)
    assert options["ssl_certfile"] == str(cert)
    assert options["ssl_keyfile"] == str(key)
    assert options["workers"] == 2
    assert settings.tls is True


def test_several_workers_build_their_app_from_the_exported_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw)))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.delenv("INTRATHECAL_DATABASE_URL", raising=False)
    bootstrap.serve(load_settings(database_url=url, workers=2), "127.0.0.1", 8000)
    ((target, options),) = calls
    assert target == "intrathecal.bootstrap:app_from_environment"
    assert options["factory"] is True
    assert options["workers"] == 2
    assert load_settings().database_url == url


def test_serve_runs_on_uvloop_and_httptools() -> None:
    """uvicorn[standard] is a dependency and serve leaves uvicorn's "auto" choice alone, so
    it runs the C event loop and HTTP parser (pure-Python h11 costs far more per request)."""
    import importlib.util

    assert importlib.util.find_spec("uvloop") is not None
    assert importlib.util.find_spec("httptools") is not None
    options = uvicorn_options(load_settings(), "127.0.0.1", 8000)
    assert options.get("loop", "auto") == "auto"
    assert options.get("http", "auto") == "auto"
