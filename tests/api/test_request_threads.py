"""Request threads: only the database work of a request runs in the thread pool (the
dependencies that just read the request run on the event loop, so does the validation of a
response), and the pool has the configured number of threads."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from anyio import to_thread
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from intrathecal.bootstrap import BACKGROUND_CONNECTIONS, create_app
from intrathecal.clinic.permissions import Role
from intrathecal.settings import Settings
from tests.api.helpers import create_patient


def _dependencies(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def test_every_route_dependency_runs_on_the_event_loop(settings: Settings) -> None:
    app = create_app(settings)
    try:
        blocking = {
            f"{route.path}: {getattr(call, '__name__', call)}"
            for route in app.routes
            if isinstance(route, APIRoute)
            for call in _dependencies(route.dependant)
            if not inspect.iscoroutinefunction(call)
        }
    finally:
        app.state.context.close()
    assert blocking == set()  # a plain ``def`` dependency would cost a thread hop


def test_the_thread_pool_has_the_configured_threads(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"threads": 3}))

    async def tokens() -> float:
        return to_thread.current_default_thread_limiter().total_tokens

    try:
        with TestClient(app) as client:
            assert client.portal is not None
            assert client.portal.call(tokens) == 3
            assert app.state.context.engine.pool.size() == 3 + BACKGROUND_CONNECTIONS
    finally:
        app.state.context.close()


def test_an_audited_read_goes_to_the_thread_pool_twice(
    as_role: Callable[[Role], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authentication and the endpoint; FastAPI would validate a plain ``def`` endpoint's
    response in a third trip (``api.routing``)."""
    physician = as_role(Role.PHYSICIAN)
    patient_id = create_patient(physician)["id"]
    trips: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    for path in (f"/api/v1/patients/{patient_id}", "/api/v1/worklist"):
        trips.clear()
        assert physician.get(path).status_code == 200
        assert len(trips) == 2, path
