"""Several clinic use cases in ONE transaction: a unit of work whose inner ``with`` blocks
and ``commit()`` calls join the outer transaction, which alone commits (or rolls back)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from intrathecal.clinic.uow import UnitOfWork


class OneTransaction:
    """Wraps an open unit of work; use cases run through it share its transaction.

    Usage::

        with uow:
            joined = OneTransaction(uow)
            register_patient(joined, ...)   # its commit() is deferred
            record_visit(joined, ...)
            uow.commit()                    # everything, or (on any error) nothing

    Every repository of the outer unit of work is reachable under the same name.
    """

    def __init__(self, outer: UnitOfWork) -> None:
        self._outer = outer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outer, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """An error propagates to the outer block, which rolls everything back."""

    def commit(self) -> None:
        """Deferred: the outer unit of work commits once all use cases succeeded."""

    def rollback(self) -> None:
        """Roll back the whole shared transaction."""
        self._outer.rollback()
