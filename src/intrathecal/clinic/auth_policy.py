"""Role checks for the auth layer, taken from the one policy in ``clinic.permissions``.

Kept so account code can say ``require(role, Permission.USER_MANAGE)``; there is no second
table here: ``Permission`` is ``permissions.Action`` and every check reads ``permissions.POLICY``.
"""

from __future__ import annotations

from intrathecal.clinic.permissions import Action as Permission
from intrathecal.clinic.permissions import Role, allowed
from intrathecal.clinic.permissions import role_may as require

__all__ = ["Permission", "Role", "allowed", "require"]
