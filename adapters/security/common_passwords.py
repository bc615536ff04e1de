"""Commonly used passwords, as zxcvbn knows them: its list of the 30,000 most common (from leaked
password sets), matched in any case, reversed, and with l33t swaps (``p@ssw0rd``).

A password is refused only when one such entry, or one of the account's own words, is the whole of it,
as NIST SP 800-63B asks; ``password-for-my-cat`` is not refused for containing ``password``.
"""

import asyncio
from collections.abc import Sequence
from typing import Final

from zxcvbn import zxcvbn

from application.ports import CommonPasswords

# zxcvbn's work grows with length, and no listed password is this long.
LONGEST_CHECKED: Final = 64
_LISTS: Final = frozenset({"passwords", "user_inputs"})


class ZxcvbnCommonPasswords(CommonPasswords):
    async def includes(self, password: str, context: Sequence[str] = ()) -> bool:
        if len(password) > LONGEST_CHECKED:
            return False
        # A few milliseconds of CPU: off the event loop, like hashing.
        return await asyncio.to_thread(_listed, password, [word for word in context if word])


def _listed(password: str, context: list[str]) -> bool:
    sequence = zxcvbn(password, user_inputs=context)["sequence"]
    return (
        len(sequence) == 1
        and sequence[0]["pattern"] == "dictionary"
        and sequence[0]["dictionary_name"] in _LISTS
    )
