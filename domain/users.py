"""Users: the account entity and the rules for its fields."""

import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Final, NewType
from urllib.parse import urlsplit

from domain.errors import InvalidValue
from domain.ids import UserId
from domain.text import checked_text

USERNAME_MAX_LENGTH: Final = 64
EMAIL_MAX_LENGTH: Final = 254
PASSWORD_MIN_LENGTH: Final = 8
# Argon2 cost grows with input; a bound keeps a login from becoming a denial of service.
PASSWORD_MAX_BYTES: Final = 1024
BIO_MAX_LENGTH: Final = 4096
NO_IMAGE: Final = ""
IMAGE_URL_MAX_LENGTH: Final = 2048

# Usernames appear in URLs (/profiles/{username}); word characters, dot and hyphen need no escaping.
_USERNAME_CHARACTER = r"[\w.-]"
_USERNAME = re.compile(rf"{_USERNAME_CHARACTER}+")
# A username as stored (NFKC): those characters, with at least one letter or digit ([^\W_]).
USERNAME_PATTERN: Final = rf"^{_USERNAME_CHARACTER}*[^\W_]{_USERNAME_CHARACTER}*$"
_USERNAME_SHAPE = re.compile(USERNAME_PATTERN)
EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def username(value: str) -> str:
    """A username as stored: in NFKC form, so ``stuser`` typed in fullwidth letters is ``stuser``."""
    value = checked_text("username", unicodedata.normalize("NFKC", value), max_length=USERNAME_MAX_LENGTH)
    if not _USERNAME.fullmatch(value):
        raise InvalidValue("username", "may contain only letters, digits, '_', '.' and '-'")
    # "." and ".." are path segments that clients and proxies resolve before /profiles/{username} is seen.
    if not _USERNAME_SHAPE.fullmatch(value):
        raise InvalidValue("username", "must contain a letter or a digit")
    return value


def unmistakable_username(value: str, *, lookalike: bool) -> str:
    """A username that mixes look-alike letters of different scripts (``lookalike``) would pass for
    another user's: refused."""
    if lookalike:
        raise InvalidValue("username", "must not mix look-alike letters of different scripts")
    return value


def username_key(value: str) -> str:
    """What makes two usernames the same one: equal after NFKC normalization and case folding (Unicode's
    NFKC_Casefold, so ``Straße``, ``STRASSE`` and ``strasse`` in fullwidth letters are one name). Unique
    among users, and what every lookup by username compares."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def email(value: str) -> str:
    value = checked_text("email", value.strip(), max_length=EMAIL_MAX_LENGTH)
    if not _EMAIL.fullmatch(value):
        raise InvalidValue("email", "is invalid")
    return value


def password(value: str) -> str:
    if "\x00" in value:
        raise InvalidValue("password", "must not contain NUL characters")
    if len(value) < PASSWORD_MIN_LENGTH:
        raise InvalidValue("password", f"is too short (minimum is {PASSWORD_MIN_LENGTH} characters)")
    if len(value.encode()) > PASSWORD_MAX_BYTES:
        raise InvalidValue("password", f"is too long (maximum is {PASSWORD_MAX_BYTES} bytes)")
    return value


def uncommon_password(value: str, *, common: bool) -> str:
    """NIST SP 800-63B: a password found in a list of commonly used ones is refused (``common``)."""
    if common:
        raise InvalidValue("password", "is too common or too easy to guess; choose another")
    return value


def password_attempt(value: str) -> str:
    """A password offered at login: only bounded, since older accounts may predate today's rules."""
    if not value:
        raise InvalidValue("password", "can't be blank")
    if len(value.encode()) > PASSWORD_MAX_BYTES:
        raise InvalidValue("password", f"is too long (maximum is {PASSWORD_MAX_BYTES} bytes)")
    return value


def bio(value: str) -> str:
    return checked_text("bio", value, max_length=BIO_MAX_LENGTH, allow_empty=True)


def image_url(value: str | None) -> str:
    """An absolute http(s) URL, or "" for none (RealWorld's "no image"): None or blank clears it."""
    if value is None or not value.strip():
        return NO_IMAGE
    value = checked_text("image", value.strip(), max_length=IMAGE_URL_MAX_LENGTH)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValue("image", "must be an http or https URL")
    return value


def ensure_can_follow(follower: UserId, followee: UserId) -> None:
    if follower == followee:
        raise InvalidValue("username", "is you; you cannot follow yourself")


SecurityStamp = NewType("SecurityStamp", int)
# Accounts from before security stamps have this one, and so do the tokens issued to them.
FIRST_SECURITY_STAMP: Final = SecurityStamp(0)


def new_security_stamp() -> SecurityStamp:
    """A random value every token of a user carries: giving the user a new one revokes all the others."""
    return SecurityStamp(secrets.randbits(63))


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """An opaque hash; it has no readable repr, so it cannot end up in a log or a response by accident."""

    value: str

    def __repr__(self) -> str:
        return "PasswordHash(<hidden>)"


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    email: str
    bio: str
    image: str  # NO_IMAGE when the user has none


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user about to be stored: validated fields, password already hashed."""

    username: str
    email: str
    password_hash: PasswordHash
    security_stamp: SecurityStamp
    bio: str = ""
    image: str = NO_IMAGE


@dataclass(frozen=True, slots=True)
class UserChanges:
    """A partial update: None means "leave as it is"; ``image=NO_IMAGE`` removes the image."""

    username: str | None = None
    email: str | None = None
    password_hash: PasswordHash | None = None
    bio: str | None = None
    image: str | None = None
    security_stamp: SecurityStamp | None = None
