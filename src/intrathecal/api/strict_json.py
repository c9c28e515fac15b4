"""Strict JSON at the API edge: a JSON media type for bodies, and no duplicate keys.

Python's ``json`` keeps the last of two equal keys, so ``{"dose": "1 mg", "dose": "10 mg"}``
would be read differently by two parsers; such a body is refused with 400 before any
route sees it. A request body sent to ``/api`` with another media type (form data, plain
text) is refused with 415. Malformed JSON is left to the request models (422).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intrathecal.api.problems import problem_response

API_PREFIX = "/api/"


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _media_type(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            text: str = value.decode("latin-1")
            return text.split(";", 1)[0].strip().lower()
    return None


def is_json(media_type: str) -> bool:
    """``application/json`` or any ``application/*+json`` (e.g. ``application/fhir+json``)."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class StrictJson:
    """Pure ASGI middleware: 415 for a non-JSON body under ``/api``, 400 for duplicate keys."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        media = _media_type(scope)
        if body.strip():
            if media is None or not is_json(media):
                response = problem_response(
                    415, f"send the body as application/json, not {media or 'no media type'}"
                )
                await response(scope, receive, send)
                return
            try:
                json.loads(body, object_pairs_hook=_no_duplicates)
            except DuplicateKey as exc:
                response = problem_response(400, f"the JSON body names the key {exc} twice")
                await response(scope, receive, send)
                return
            except ValueError:
                pass  # malformed JSON: the request model reports it (422)
        pending = list(messages)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        await self.app(scope, replay, send)
