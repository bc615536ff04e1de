import asyncio

from adapters.security.passwords import Argon2PasswordHasher
from domain.users import PasswordHash

# The cheapest Argon2id parameters: these tests are about behaviour, not cost.
CHEAP = {"time_cost": 1, "memory_kib": 8, "parallelism": 1}


async def test_hash_is_argon2id_and_verifies_only_the_same_password() -> None:
    hasher = Argon2PasswordHasher(**CHEAP)
    hashed = await hasher.hash("correct horse")
    assert hashed.value.startswith("$argon2id$")
    assert await hasher.verify("correct horse", hashed)
    assert not await hasher.verify("wrong horse", hashed)


async def test_garbage_hash_never_verifies_and_needs_rehash() -> None:
    hasher = Argon2PasswordHasher(**CHEAP)
    assert not await hasher.verify("x", PasswordHash("not-a-hash"))
    assert hasher.needs_rehash(PasswordHash("not-a-hash"))


async def test_weaker_parameters_need_a_rehash() -> None:
    weak = await Argon2PasswordHasher(**CHEAP).hash("pw")
    assert Argon2PasswordHasher(time_cost=2, memory_kib=16, parallelism=1).needs_rehash(weak)
    assert not Argon2PasswordHasher(**CHEAP).needs_rehash(weak)


async def test_hashing_runs_off_the_event_loop_thread() -> None:
    hasher = Argon2PasswordHasher(max_concurrency=2, time_cost=3, memory_kib=8 * 1024, parallelism=1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    await asyncio.gather(*(hasher.hash(f"pw{i}") for i in range(4)))
    ticking.cancel()
    assert ticks > 3, "the event loop must keep running while hashes are computed"
