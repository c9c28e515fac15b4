"""Which new passwords are accepted, in the spirit of NIST SP 800-63B (§3.1.1.2).

A new password must be long (``MIN_LENGTH``, the SP 800-63B-4 minimum for a password
used as the only factor), must not be a known common or breached password, must not be
the username or close to it, and must be hard to guess. There are no composition rules
(no "one digit, one symbol") and no periodic expiry, as the guideline advises.

The blocklist and guess estimate come from zxcvbn (PyPI ``zxcvbn``, a port of Dropbox's
estimator): its frequency lists hold the most common passwords of public breach corpora
plus common words and names, and it scores a password by the guesses an attacker who
knows those lists would need. A password whose estimate is below ``MIN_SCORE`` (about
10^8 guesses) is refused with zxcvbn's own hint.
"""

from __future__ import annotations

import difflib
import re

from zxcvbn import zxcvbn

from intrathecal.clinic.errors import ValidationFailed

#: Shortest password accepted (SP 800-63B-4: 15 when a password is the only factor).
MIN_LENGTH = 15
#: Longest password accepted: bounds the hashing work one request can ask for.
MAX_LENGTH = 256
#: Lowest zxcvbn score accepted (0-4; 3 = "safely unguessable", about 10^8 guesses).
MIN_SCORE = 3
#: zxcvbn analyses at most this many characters (its own bound on work).
_ANALYSED = 72
#: How similar (0-1) a password, or a stretch of it, may be to the username.
_MAX_SIMILARITY = 0.8
_SEPARATORS = re.compile(r"[\W_]+")


class WeakPassword(ValidationFailed):
    """A new password does not meet the password policy."""


def _folded(text: str) -> str:
    return _SEPARATORS.sub("", text.casefold())


def _resembles(password: str, name: str) -> bool:
    """True when ``name`` or a near miss of it (one or two letters off) is in ``password``."""
    if len(name) < 3:
        return False
    if difflib.SequenceMatcher(None, password, name).ratio() >= _MAX_SIMILARITY:
        return True
    width = len(name)
    return any(
        difflib.SequenceMatcher(None, password[i : i + width], name).ratio() >= _MAX_SIMILARITY
        for i in range(max(1, len(password) - width + 1))
    )


def check_new_password(password: str, username: str, display_name: str = "") -> None:
    """Raise ``WeakPassword`` (naming the rule) unless ``password`` meets the policy."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password: at least {MIN_LENGTH} characters, got {len(password)}")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password: at most {MAX_LENGTH} characters, got {len(password)}")
    if _resembles(_folded(password), _folded(username)):
        raise WeakPassword("password: must not contain or resemble the username")
    inputs = [part for part in (username, display_name, *username.split(".")) if part]
    verdict = zxcvbn(password[:_ANALYSED], user_inputs=inputs)
    sequence = verdict["sequence"]
    if len(sequence) == 1 and sequence[0].get("dictionary_name") == "passwords":
        raise WeakPassword("password: is a commonly used (breached) password")
    if verdict["score"] < MIN_SCORE:
        hint = verdict["feedback"].get("warning") or "add more unrelated words"
        raise WeakPassword(f"password: too easy to guess ({hint.rstrip('.').lower()})")
