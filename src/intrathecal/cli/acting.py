"""A command acting as a clinic login: its actor, and every refusal it meets recorded in the
audit log as the API and the web pages record theirs (``clinic.denials``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from intrathecal.cli._common import INPUT_ERRORS, err_console
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
        _record(uow_factory, Actor.anonymous(LOCAL_ORIGIN), 401, command, patient_id, exc)
        raise
    try:
        yield actor
    except tuple(INPUT_ERRORS) as exc:
        _record(uow_factory, actor, refusal_status(exc), command, patient_id, exc)
        raise


def _record(
    uow_factory: Callable[[], UnitOfWork],
    actor: Actor,
    status: int,
    command: str,
    patient_id: int | None,
    exc: Exception,
) -> None:
    """Audit the refusal; if that fails, say so (the refusal itself stands)."""
    try:
        record_refusal(uow_factory(), actor, status, command, patient_id, str(exc))
    except Exception as failure:  # the refusal is reported whether or not it is recorded
        err_console.print(
            f"[bold yellow]warning:[/] the refusal could not be audited: {failure}",
            highlight=False,
            soft_wrap=True,
        )
