from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends

from application.profiles import FollowUser, GetProfile, UnfollowUser
from entrypoints.container import Container
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.schemas import ProfileEnvelope, ProfileOut

router = APIRouter(prefix="/profiles", tags=["Profile"])


@router.get("/{username}", summary="Get a profile")
@inject
async def get_profile(
    username: str,
    viewer: OptionalViewer,
    get: Annotated[GetProfile, Depends(Provide[Container.get_profile])],
) -> ProfileEnvelope:
    profile = await get(username, viewer)
    return ProfileEnvelope(profile=ProfileOut.of(profile))


@router.post("/{username}/follow", summary="Follow a user")
@inject
async def follow(
    username: str,
    viewer: RequiredViewer,
    follow_user: Annotated[FollowUser, Depends(Provide[Container.follow_user])],
    get: Annotated[GetProfile, Depends(Provide[Container.get_profile])],
) -> ProfileEnvelope:
    followed = await follow_user(viewer.id, username)
    return ProfileEnvelope(profile=ProfileOut.of(await get(followed, viewer.id)))


@router.delete("/{username}/follow", summary="Unfollow a user")
@inject
async def unfollow(
    username: str,
    viewer: RequiredViewer,
    unfollow_user: Annotated[UnfollowUser, Depends(Provide[Container.unfollow_user])],
    get: Annotated[GetProfile, Depends(Provide[Container.get_profile])],
) -> ProfileEnvelope:
    unfollowed = await unfollow_user(viewer.id, username)
    return ProfileEnvelope(profile=ProfileOut.of(await get(unfollowed, viewer.id)))
