"""A command acting as a clinic login: its actor, and every refusal it meets recorded in the
audit log as the API and the web pages record theirs (``clinic.denials``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from intrathecal.cli._common import INPUT_ERRORS
from intrathecal.clinic.auth import LOCAL_ORIGIN, local_actor
from intrathecal.clinic.denials import record_refusal, refusal_status
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork


@contextmanager
def acting_as(
    uow_factory: Callable[[], UnitOfWork],
    username: str,
    command: str,
    patient_id: int | None = None,
) -> Iterator[Actor]:
    """The actor of ``username`` for the block; a refusal (an unknown or disabled login, a
    role without access, bad input, a conflict) is audited with the ``command`` line, then
    raised on to ``guarded``."""
    try:
        actor = local_actor(uow_factory(), username)
    except tuple(INPUT_ERRORS) as exc:
        anonymous = Actor.anonymous(LOCAL_ORIGIN)
        record_refusal(uow_factory(), anonymous, 401, command, patient_id, str(exc))
        raise
    try:
        yield actor
    except tuple(INPUT_ERRORS) as exc:
        record_refusal(uow_factory(), actor, refusal_status(exc), command, patient_id, str(exc))
        raise
