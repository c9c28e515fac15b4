"""``Idempotency-Key`` on POST: the key is claimed before the route runs (a dependency) and
the response stored when it ends (a pure ASGI middleware); a repeat replays that response.

Keys belong to the authenticated user; an anonymous POST (login, the public form) ignores
the header. A replay carries ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import FastAPI, Header, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intrathecal.api.deps import authenticate, client_ip, services
from intrathecal.api.errors import NotAuthenticated
from intrathecal.clinic.auth import InvalidCredentials
from intrathecal.clinic.idempotency import MAX_KEY_LENGTH, claim_key, complete_key
from intrathecal.clinic.records import IdempotencyRecord

HEADER = "Idempotency-Key"
_CLAIM = "idempotency_claim"


class Replay(Exception):
    """The response of an earlier request with the same key and body."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__("replay")
        self.record = record


async def idempotency(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            max_length=MAX_KEY_LENGTH,
            description="POST only: a unique key per intended write (e.g. a UUID). "
            "Repeating it with the same body replays the first response; with another "
            "body it is refused (422).",
        ),
    ] = None,
) -> None:
    """Claim the key for this POST, or raise Replay with the stored response."""
    if key is None or request.method != "POST":
        return
    ctx = services(request)
    body = await request.body()
    digest = hashlib.sha256(b"POST\x00" + request.url.path.encode() + b"\x00" + body).hexdigest()

    def claim() -> IdempotencyRecord | None:
        try:
            principal = authenticate(request, ctx, client_ip(request))
        except (NotAuthenticated, InvalidCredentials):
            return None  # the route answers 401 itself (or needs no login)
        found = claim_key(
            ctx.uow_factory(), principal.user_id, key, "POST", request.url.path, digest
        )
        if found.replay:
            raise Replay(found.record)
        return found.record

    record = await run_in_threadpool(claim)
    if record is not None:
        setattr(request.state, _CLAIM, record)


class IdempotencyRecorder:
    """Stores the response of a request whose key was claimed (releases it on a 5xx)."""

    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        status = 500
        content_type = ""
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            record = scope.get("state", {}).get(_CLAIM)
            if record is not None:
                body = b"".join(chunks).decode("utf-8", errors="replace")
                uow = self.owner.state.context.uow_factory()
                await run_in_threadpool(complete_key, uow, record, status, content_type, body)


def install_idempotency(app: FastAPI) -> None:
    """Add the recorder middleware and the replay handler."""
    app.add_middleware(IdempotencyRecorder, owner=app)

    @app.exception_handler(Replay)
    async def _replay(_: Request, exc: Replay) -> Response:
        record = exc.record
        return Response(
            content=record.response_body or "",
            status_code=record.status_code or 200,
            media_type=record.content_type or None,
            headers={"Idempotent-Replayed": "true"},
        )
