"""A background thread that seals pending audit entries into the keyed chain every few
seconds (one per server process; the head lock makes them take turns)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from intrathecal.clinic.audit import seal
from intrathecal.clinic.uow import UnitOfWork

log = logging.getLogger(__name__)


class AuditSealer:
    """Runs ``seal`` every ``interval`` seconds until ``stop()`` (which seals once more)."""

    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], key: bytes, interval: float = 1.0
    ) -> None:
        self.uow_factory = uow_factory
        self.key = key
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start sealing in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and seal what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.seal_now()

    def seal_now(self) -> int:
        """Seal everything pending now; a failure is logged and retried on the next tick."""
        try:
            return seal(self.uow_factory(), self.key)
        except Exception:  # the database may be briefly unavailable: never kill the server
            log.exception("sealing the audit log failed; will retry")
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.seal_now()
