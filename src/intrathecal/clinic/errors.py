"""The clinic layer's exception hierarchy: every use-case error derives from ClinicError."""


class ClinicError(Exception):
    """Base of all errors raised by ``intrathecal.clinic`` use cases."""


class NotFound(ClinicError, LookupError):
    """A record the use case needs does not exist (or the actor may not know it exists)."""


class Conflict(ClinicError):
    """The record changed since the caller read it (optimistic lock) or a uniqueness clash."""


class PermissionDenied(ClinicError, PermissionError):
    """The actor's role does not allow this use case, or not on this patient."""


class ValidationFailed(ClinicError, ValueError):
    """A command is malformed: a field is missing, out of range or not in an allowed list."""


class SafetyRefused(ClinicError):
    """The safety checker refused a prescription (a HARD finding, or SOFT without override)."""

    def __init__(self, message: str, findings: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


class AuditChainBroken(ClinicError):
    """The audit log's hash chain does not verify (raised only where a caller asks for it)."""
