"""Account use cases: register, log in, read and change the current user."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from application.errors import AuthenticationFailed, NotFound
from application.ports import (
    Clock,
    CommonPasswords,
    LookalikeNames,
    PasswordHasher,
    TokenService,
    UnitOfWork,
)
from application.throttling import LoginThrottle
from application.views import SecurityStamps, UserDirectory, UserQueries, UserSummary
from domain import users
from domain.errors import Problems
from domain.ids import UserId
from domain.pagination import Page
from domain.text import checked_text
from domain.users import NewUser, User, UserChanges, new_security_stamp


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    token: str


class RegisterUser:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        common: CommonPasswords,
        lookalikes: LookalikeNames,
        tokens: TokenService,
        clock: Clock,
    ) -> None:
        self._uow, self._hasher, self._common, self._lookalikes = uow, hasher, common, lookalikes
        self._tokens, self._clock = tokens, clock

    async def __call__(self, username: str, email: str, password: str) -> SignedIn:
        problems = Problems()
        new_username = _new_username(problems, self._lookalikes, username)
        new_email = problems.check(users.email, email)
        new_password = await _new_password(problems, self._common, password, (username, email))
        problems.raise_if_any()
        # Hash before the transaction: the connection is not held while the CPU works.
        hashed = await self._hasher.hash(new_password)
        stamp = new_security_stamp()
        async with self._uow as uow:
            user = await uow.users.add(NewUser(new_username, new_email, hashed, stamp), self._clock.now())
            await uow.commit()
        return SignedIn(user, self._tokens.issue(user.id, stamp))


class LogIn:
    def __init__(
        self,
        accounts: UserQueries,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        tokens: TokenService,
        throttle: LoginThrottle,
        clock: Clock,
    ) -> None:
        self._accounts, self._uow, self._hasher = accounts, uow, hasher
        self._tokens, self._throttle, self._clock = tokens, throttle, clock

    async def __call__(self, email: str, password: str, client: str) -> SignedIn:
        """``client`` names where the attempt comes from (an address), for the throttle to count by."""
        problems = Problems()
        problems.check(partial(checked_text, "email", max_length=users.EMAIL_MAX_LENGTH), email)
        problems.check(users.password_attempt, password)
        problems.raise_if_any()
        had_failures = await self._throttle.check(email, client, self._clock.now())
        found = await self._accounts.credentials(email.strip())
        if found is None:
            await self._hasher.waste_time(password)
        if found is None or not await self._hasher.verify(password, found.password_hash):
            await self._throttle.failed(email, client, self._clock.now())
            raise AuthenticationFailed("email or password is invalid")
        if had_failures:
            await self._throttle.succeeded(email, client)
        if self._hasher.needs_rehash(found.password_hash):
            await self._upgrade_hash(found.user.id, password)
        return SignedIn(found.user, self._tokens.issue(found.user.id, found.security_stamp))

    async def _upgrade_hash(self, user_id: UserId, password: str) -> None:
        rehashed = await self._hasher.hash(password)
        async with self._uow as uow:
            await uow.users.update(user_id, UserChanges(password_hash=rehashed), self._clock.now())
            await uow.commit()


class GetCurrentUser:
    def __init__(self, accounts: UserQueries) -> None:
        self._accounts = accounts

    async def __call__(self, user_id: UserId) -> User:
        user = await self._accounts.get(user_id)
        if user is None:
            raise AuthenticationFailed("user no longer exists")
        return user


@dataclass(frozen=True, slots=True)
class UpdatedUser:
    user: User
    new_token: str | None  # when the change revoked the caller's token (a new password did)


class UpdateUser:
    """A new password revokes every token issued before it, and signs the caller in again."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        common: CommonPasswords,
        lookalikes: LookalikeNames,
        tokens: TokenService,
        stamps: SecurityStamps,
        clock: Clock,
    ) -> None:
        self._uow, self._hasher, self._common, self._tokens = uow, hasher, common, tokens
        self._lookalikes, self._stamps, self._clock = lookalikes, stamps, clock

    async def __call__(
        self,
        user_id: UserId,
        *,
        username: str | None = None,
        email: str | None = None,
        password: str | None = None,
        bio: str | None = None,
        image: str | None = None,
        remove_image: bool = False,
    ) -> UpdatedUser:
        problems = Problems()
        new_username = None if username is None else _new_username(problems, self._lookalikes, username)
        new_email = None if email is None else problems.check(users.email, email)
        context = [word for word in (username, email) if word is not None]
        new_password = (
            None if password is None else await _new_password(problems, self._common, password, context)
        )
        new_bio = None if bio is None else problems.check(users.bio, bio)
        new_image = (
            users.NO_IMAGE
            if remove_image
            else None
            if image is None
            else problems.check(users.image_url, image)
        )
        problems.raise_if_any()
        hashed = None if new_password is None else await self._hasher.hash(new_password)
        stamp = None if hashed is None else new_security_stamp()
        changes = UserChanges(
            username=new_username,
            email=new_email,
            password_hash=hashed,
            bio=new_bio,
            image=new_image,
            security_stamp=stamp,
        )
        async with self._uow as uow:
            user = await uow.users.update(user_id, changes, self._clock.now())
            if user is None:
                raise AuthenticationFailed("user no longer exists")
            await uow.commit()
        if stamp is None:
            return UpdatedUser(user, None)
        self._stamps.forget(user_id)
        return UpdatedUser(user, self._tokens.issue(user_id, stamp))


class ResetPassword:
    """An administrator sets a user's password (the CLI's ``users set-password``), which revokes the
    user's tokens as a change of their own does."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        common: CommonPasswords,
        stamps: SecurityStamps,
        clock: Clock,
    ) -> None:
        self._uow, self._hasher, self._common = uow, hasher, common
        self._stamps, self._clock = stamps, clock

    async def __call__(self, username: str, password: str) -> None:
        problems = Problems()
        new_password = await _new_password(problems, self._common, password, (username,))
        problems.raise_if_any()
        hashed = await self._hasher.hash(new_password)
        await _change(self._uow, self._stamps, username, UserChanges(password_hash=hashed), self._clock)


class RevokeTokens:
    """An administrator signs a user out everywhere (the CLI's ``users revoke-tokens``)."""

    def __init__(self, uow: UnitOfWork, stamps: SecurityStamps, clock: Clock) -> None:
        self._uow, self._stamps, self._clock = uow, stamps, clock

    async def __call__(self, username: str) -> None:
        await _change(self._uow, self._stamps, username, UserChanges(), self._clock)


def _new_username(problems: Problems, lookalikes: LookalikeNames, username: str) -> str:
    """``username`` checked by every username rule, look-alike letters included; what fails is added to
    ``problems``."""
    checked = problems.check(users.username, username)
    if checked is None:  # already among the problems
        return checked
    lookalike = lookalikes.passes_for_another(checked)
    return problems.check(partial(users.unmistakable_username, lookalike=lookalike), checked)


async def _new_password(
    problems: Problems, common: CommonPasswords, password: str, context: Sequence[str]
) -> str:
    """``password`` checked by every password rule, the list of common ones included (``context``: the
    account's own words); what fails is added to ``problems``."""
    checked = problems.check(users.password, password)
    if checked is None:  # already among the problems
        return checked
    listed = await common.includes(checked, context)
    return problems.check(partial(users.uncommon_password, common=listed), checked)


async def _change(
    uow: UnitOfWork, stamps: SecurityStamps, username: str, changes: UserChanges, clock: Clock
) -> None:
    """Apply ``changes`` to the user named ``username`` with a new security stamp."""
    revoking = replace(changes, security_stamp=new_security_stamp())
    async with uow:
        user = await uow.users.get_by_username(username)
        if user is None:
            raise NotFound("user")
        await uow.users.update(user.id, revoking, clock.now())
        await uow.commit()
    stamps.forget(user.id)


class ListUsers:
    def __init__(self, directory: UserDirectory) -> None:
        self._directory = directory

    async def __call__(self, page: Page) -> tuple[UserSummary, ...]:
        return await self._directory.everyone(page)
