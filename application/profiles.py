"""Profiles and follows."""

from application.errors import NotFound
from application.ports import Clock, UnitOfWork
from application.views import ProfileQueries, ProfileView, shown
from domain.events import UserFollowed
from domain.ids import UserId
from domain.users import ensure_can_follow


class GetProfile:
    def __init__(self, profiles: ProfileQueries) -> None:
        self._profiles = profiles

    async def __call__(self, username: str, viewer: UserId | None) -> ProfileView:
        profile = await self._profiles.get(username, viewer)
        if profile is None:
            raise NotFound("profile")
        return profile


class FollowUser:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, follower: UserId, username: str) -> ProfileView:
        async with self._uow as uow:
            now = self._clock.now()
            await uow.writes.spend(follower, now)
            followee = await uow.users.get_by_username(username)
            if followee is None:
                raise NotFound("profile")
            ensure_can_follow(follower, followee.id)
            if await uow.users.follow(follower, followee.id, now):
                await uow.outbox.add(UserFollowed(follower, followee.id), now)
            answer = uow.views.profile(followee.username, follower)
            await uow.commit()
        return shown(answer, "profile")


class UnfollowUser:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, follower: UserId, username: str) -> ProfileView:
        async with self._uow as uow:
            await uow.writes.spend(follower, self._clock.now())
            followee = await uow.users.get_by_username(username)
            if followee is None:
                raise NotFound("profile")
            ensure_can_follow(follower, followee.id)
            await uow.users.unfollow(follower, followee.id)
            answer = uow.views.profile(followee.username, follower)
            await uow.commit()
        return shown(answer, "profile")
