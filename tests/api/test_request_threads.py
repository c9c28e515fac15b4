"""Request threads: only the database work of a request runs in the thread pool (the
dependencies that just read the request run on the event loop), and the pool has the
configured number of threads."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from anyio import to_thread
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from intrathecal.bootstrap import BACKGROUND_CONNECTIONS, create_app
from intrathecal.settings import Settings


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
