from datetime import UTC, datetime, timedelta

import jwt
import pytest

from adapters.security.tokens import JwtTokenService
from application.errors import AuthenticationFailed
from application.ports import TokenClaims
from domain.ids import UserId
from domain.users import FIRST_SECURITY_STAMP, SecurityStamp
from tests.support.fakes import SteppingClock

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
STAMP = SecurityStamp(4_611_686_018_427_387_904)
ALICE = TokenClaims(UserId(7), STAMP)


def test_token_names_the_user_by_id_and_stamp_with_issue_and_expiry_times() -> None:
    service = JwtTokenService(SECRET, 600, SteppingClock())
    token = service.issue(UserId(7), STAMP)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "7"
    assert claims["stamp"] == STAMP
    assert claims["exp"] - claims["iat"] == 600
    assert service.claims(token) == ALICE


def test_a_token_from_before_stamps_carries_the_first_stamp() -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode({"sub": "7", "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
    assert JwtTokenService(SECRET, 60, SteppingClock()).claims(token) == TokenClaims(
        UserId(7), FIRST_SECURITY_STAMP
    )


def test_expired_token_is_refused() -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    token = JwtTokenService(SECRET, 60, SteppingClock(an_hour_ago)).issue(UserId(7), STAMP)
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, 60, SteppingClock()).claims(token)


def test_token_signed_with_another_secret_is_refused() -> None:
    token = JwtTokenService("another-secret-that-is-long-enough-too!!", 60, SteppingClock()).issue(
        UserId(7), STAMP
    )
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, 60, SteppingClock()).claims(token)


def test_tampered_payload_is_refused() -> None:
    service = JwtTokenService(SECRET, 60, SteppingClock())
    header, _, signature = service.issue(UserId(7), STAMP).split(".")
    now = int(datetime.now(UTC).timestamp())
    forged_payload = jwt.utils.base64url_encode(
        f'{{"sub":"1","iat":{now},"exp":{now + 60}}}'.encode()
    ).decode()
    with pytest.raises(AuthenticationFailed):
        service.claims(f"{header}.{forged_payload}.{signature}")


def test_unsigned_alg_none_token_is_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    unsigned = jwt.encode({"sub": "7", "iat": now, "exp": now + 60}, key=None, algorithm="none")
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, 60, SteppingClock()).claims(unsigned)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "abc"},
        {"sub": "99999999999999999999999"},
        {"sub": 7},
        {},
        {"sub": "7", "stamp": "1"},
        {"sub": "7", "stamp": 1.5},
        {"sub": "7", "stamp": True},
    ],
    ids=[
        "non-numeric",
        "beyond-64-bits",
        "not-a-string",
        "no-subject",
        "stamp-a-string",
        "stamp-a-float",
        "stamp-a-boolean",
    ],
)
def test_token_without_a_usable_subject_or_stamp_is_refused(claims: dict[str, object]) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode({**claims, "iat": now, "exp": now + 60}, SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, 60, SteppingClock()).claims(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Token x"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(AuthenticationFailed):
        JwtTokenService(SECRET, 60, SteppingClock()).claims(garbage)


def test_a_remembered_token_still_expires() -> None:
    clock = SteppingClock()
    service = JwtTokenService(SECRET, 60, clock)
    token = service.issue(UserId(7), STAMP)
    assert service.claims(token) == ALICE
    assert service.claims(token) == ALICE
    clock.current += timedelta(seconds=61)
    with pytest.raises(AuthenticationFailed):
        service.claims(token)


def test_a_forged_token_is_refused_even_after_the_real_one_was_seen() -> None:
    service = JwtTokenService(SECRET, 60, SteppingClock())
    token = service.issue(UserId(7), STAMP)
    service.claims(token)
    header, payload, _ = token.split(".")
    with pytest.raises(AuthenticationFailed):
        service.claims(f"{header}.{payload}.forged-signature")
