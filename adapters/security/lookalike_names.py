"""Names made to pass for another: letters of one script that look like letters of another script the
name also uses (``paypal`` with its first ``a`` the Cyrillic U+0430), as Unicode's confusables data
(TR39) knows them.

The check follows TR39's "highly restrictive" level: a name may use one script, or Latin with Han and
Japanese kana or Korean Hangul or Bopomofo (as names in those languages are written); characters common
to all scripts (digits, ``_``, ``-``, ``.``) count for none. Only a name beyond that level *and* holding
a look-alike is refused, so ``Ελληνικά``, ``José`` or ``日本語ユーザー`` are names like any other.

A name written wholly in another script (``apple`` spelled in Cyrillic letters) is not refused: it mixes
nothing, and TR39's whole-script check would refuse every Cyrillic or Greek name made only of letters
shaped like Latin ones. Nor are ASCII look-alikes (``modern``/``modem``, ``l``/``1``) folded together.
"""

from typing import Final

from confusable_homoglyphs import categories, confusables

from application.ports import LookalikeNames

_NO_SCRIPT: Final = frozenset({"COMMON", "INHERITED"})
_HIGHLY_RESTRICTIVE: Final = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
)


class HomoglyphLookalikeNames(LookalikeNames):
    def passes_for_another(self, name: str) -> bool:
        if name.isascii():
            return False
        scripts = frozenset(categories.unique_aliases(name)) - _NO_SCRIPT
        if len(scripts) <= 1 or any(scripts <= allowed for allowed in _HIGHLY_RESTRICTIVE):
            return False
        return bool(confusables.is_dangerous(name))
