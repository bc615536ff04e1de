import pytest

from domain import users
from domain.errors import InvalidInput, InvalidValue, Problems


@pytest.mark.parametrize("name", ["alice", "Bob_99", "jean-luc.picard", "José", "a"])
def test_acceptable_usernames(name: str) -> None:
    assert users.username(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "can't be blank"),
        ("   ", "can't be blank"),
        ("has space", "may contain only letters, digits, '_', '.' and '-'"),
        ("slash/y", "may contain only letters, digits, '_', '.' and '-'"),
        ("a" * 65, "is too long (maximum is 64 characters)"),
        ("nul\x00", "must not contain NUL characters"),
        (".", "must contain a letter or a digit"),
        ("...", "must contain a letter or a digit"),
        ("-_.", "must contain a letter or a digit"),
        ("\uff41" * 65, "is too long (maximum is 64 characters)"),
    ],
)
def test_unacceptable_usernames(name: str, message: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        users.username(name)
    assert (raised.value.field, raised.value.message) == ("username", message)


def test_a_username_is_kept_in_nfkc_form() -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "stuser")
    assert users.username(fullwidth) == "stuser"
    assert users.username("Cafe\u0301") == "Caf\u00e9"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("stuser", "".join(chr(ord(c) + 0xFEE0) for c in "STUSER")),
        ("Stra\u00dfe", "STRASSE"),
        ("Caf\u00e9", "CAFE\u0301"),
        ("\u03a3\u03bf\u03c6\u03af\u03b1", "\u03c3\u03bf\u03c6\u03af\u03b1"),
    ],
    ids=["fullwidth", "sharp-s", "combining-accent", "greek-sigma"],
)
def test_usernames_that_read_alike_share_a_key(one: str, other: str) -> None:
    assert users.username_key(one) == users.username_key(other)


def test_usernames_that_differ_have_different_keys() -> None:
    assert users.username_key("alice") != users.username_key("alice2")
    assert users.username_key("cafe") != users.username_key("caf\u00e9")


def test_email_is_trimmed_and_checked() -> None:
    assert users.email("  a@b.io ") == "a@b.io"
    for bad in ["", "no-at-sign", "a@b", "a b@c.io", "x" * 250 + "@b.io"]:
        with pytest.raises(InvalidValue):
            users.email(bad)


def test_password_bounds_are_in_bytes_and_characters() -> None:
    assert users.password("12345678") == "12345678"
    with pytest.raises(InvalidValue, match="too short"):
        users.password("1234567")
    with pytest.raises(InvalidValue, match="maximum is 1024 bytes"):
        users.password("é" * 513)  # 1026 bytes in UTF-8
    assert users.password("é" * 512) == "é" * 512


def test_image_must_be_a_web_url_and_empty_clears_it() -> None:
    assert users.image_url("https://example.com/me.png") == "https://example.com/me.png"
    assert users.image_url("") == ""
    assert users.image_url(None) == ""
    for bad in ["javascript:alert(1)", "ftp://example.com/x", "not a url"]:
        with pytest.raises(InvalidValue, match="http or https"):
            users.image_url(bad)


def test_problems_reports_every_failing_field_at_once() -> None:
    problems = Problems()
    problems.check(users.username, "bad name")
    problems.check(users.email, "nope")
    assert problems.check(users.bio, "fine") == "fine"
    with pytest.raises(InvalidInput) as raised:
        problems.raise_if_any()
    assert set(raised.value.problems) == {"username", "email"}


def test_password_hash_never_shows_in_repr() -> None:
    hashed = users.PasswordHash("$argon2id$secret")
    assert "secret" not in repr(hashed)
    assert "secret" not in repr(users.NewUser("a", "a@b.io", hashed, users.FIRST_SECURITY_STAMP))
