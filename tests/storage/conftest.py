"""Storage fixtures: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.storage.dbs import BACKENDS, database_url, engine_with_tables


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind under test."""
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (for migration tests)."""
    with database_url(backend, tmp_path) as url:
        yield url


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a fresh database with all tables."""
    with engine_with_tables(backend, tmp_path) as eng:
        yield eng
