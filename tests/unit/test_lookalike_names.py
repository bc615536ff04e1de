"""The look-alike check, and the confusable-homoglyphs behaviour it relies on: mixed scripts holding a
letter confusable with another of them are refused; one script, or TR39's highly restrictive mixes of
Latin with Han, kana, Hangul or Bopomofo, are not."""

import pytest

from adapters.security.lookalike_names import HomoglyphLookalikeNames

names = HomoglyphLookalikeNames()


@pytest.mark.parametrize(
    "name",
    [
        "p\u0430ypal",  # Latin with a Cyrillic a
        "\u0391laska",  # Latin with a Greek capital alpha
        "g\u043e\u043egle_42",  # Latin with two Cyrillic o, and common characters
    ],
)
def test_names_mixing_look_alike_scripts_pass_for_another(name: str) -> None:
    assert names.passes_for_another(name)


@pytest.mark.parametrize(
    "name",
    [
        "paypal",
        "Jos\u00e9",
        "Stra\u00dfe",
        "\u0395\u03bb\u03bb\u03b7\u03bd\u03b1\u03c2",  # Greek only
        "\u0430\u0440\u0440\u04cf\u0435",  # "apple" wholly in Cyrillic: a whole-script look-alike, allowed
        "\u65e5\u672c\u8a9e\u30e6\u30fc\u30b6\u30fc",  # Han and katakana, as Japanese is written
        "kim_\ud55c\uad6d",  # Latin and Hangul
    ],
)
def test_one_script_or_a_highly_restrictive_mix_does_not(name: str) -> None:
    assert not names.passes_for_another(name)
