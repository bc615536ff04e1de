from typing import Annotated

from fastapi import APIRouter

from application.profiles import FollowUser, GetProfile, UnfollowUser
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.schemas import ProfileEnvelope, ProfileOut

router = APIRouter(prefix="/profiles", tags=["Profile"])


@router.get("/{username}", summary="Get a profile")
async def get_profile(
    username: str,
    viewer: OptionalViewer,
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> ProfileEnvelope:
    profile = await get(username, viewer)
    return ProfileEnvelope(profile=ProfileOut.of(profile))


@router.post("/{username}/follow", summary="Follow a user")
async def follow(
    username: str,
    viewer: RequiredViewer,
    follow_user: Annotated[FollowUser, provided(lambda c: c.follow_user)],
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> ProfileEnvelope:
    followed = await follow_user(viewer.id, username)
    return ProfileEnvelope(profile=ProfileOut.of(await get(followed, viewer.id)))


@router.delete("/{username}/follow", summary="Unfollow a user")
async def unfollow(
    username: str,
    viewer: RequiredViewer,
    unfollow_user: Annotated[UnfollowUser, provided(lambda c: c.unfollow_user)],
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> ProfileEnvelope:
    unfollowed = await unfollow_user(viewer.id, username)
    return ProfileEnvelope(profile=ProfileOut.of(await get(unfollowed, viewer.id)))
