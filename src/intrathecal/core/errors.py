"""The dosing core's exception hierarchy: every error the core raises derives from CoreError."""


class CoreError(Exception):
    """Base of all errors raised by ``intrathecal.core``."""


class InvalidQuantity(CoreError, ValueError):
    """Text or a number could not be read as the quantity that was expected."""


class UnitMismatch(CoreError, TypeError):
    """Two quantities of incompatible dimensions were combined."""


class InvalidProgram(CoreError, ValueError):
    """An infusion program or prescription is malformed (not merely unsafe)."""


class UnknownDrug(CoreError, KeyError):
    """A drug name is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown drug"


class InvalidInput(CoreError, ValueError):
    """Any other input the core cannot accept (pain score out of range, bad dates...)."""
