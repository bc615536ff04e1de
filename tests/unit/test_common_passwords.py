"""The common-password check, and the zxcvbn behaviour it relies on: a whole-password match of its
"passwords" list or of the account's own words, in any case, reversed or l33t."""

import pytest

from adapters.security.common_passwords import LONGEST_CHECKED, ZxcvbnCommonPasswords

common = ZxcvbnCommonPasswords()


@pytest.mark.parametrize(
    "password",
    ["password123", "qwertyuiop", "PASSWORD123", "P@ssw0rd", "drowssap", "1q2w3e4r5t", "iloveyou2"],
)
async def test_the_most_common_passwords_and_their_variants_are_listed(password: str) -> None:
    assert await common.includes(password)


@pytest.mark.parametrize(
    "password",
    ["pass-phrase-123", "password-for-my-cat", "Tr0ub4dor&3", "correct horse battery staple", "x" * 20],
)
async def test_passwords_that_only_contain_common_words_are_not(password: str) -> None:
    assert not await common.includes(password)


async def test_the_accounts_own_words_count_as_listed() -> None:
    assert await common.includes("Wanderlust-Alice", ["wanderlust-alice", "alice@example.com"])
    assert await common.includes("alice@example.com", ["alice", "alice@example.com"])
    assert not await common.includes("Wanderlust-Alice", [])


async def test_a_password_longer_than_any_listed_one_is_not_looked_up() -> None:
    assert not await common.includes("password" * (LONGEST_CHECKED // 8 + 1))
