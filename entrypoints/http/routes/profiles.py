from typing import Annotated

from fastapi import APIRouter, Response

from application.profiles import FollowUser, GetProfile, UnfollowUser
from entrypoints.http import rendering
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.schemas import ProfileEnvelope

router = APIRouter(prefix=f"{API_PREFIX}/profiles", tags=["Profile"])


@router.get("/{username}", response_model=ProfileEnvelope, summary="Get a profile")
async def get_profile(
    username: str,
    viewer: OptionalViewer,
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> Response:
    return rendering.profile(await get(username, viewer))


@router.post("/{username}/follow", response_model=ProfileEnvelope, summary="Follow a user")
async def follow(
    username: str,
    viewer: RequiredViewer,
    follow_user: Annotated[FollowUser, provided(lambda c: c.follow_user)],
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> Response:
    followed = await follow_user(viewer.id, username)
    return rendering.profile(await get(followed, viewer.id))


@router.delete("/{username}/follow", response_model=ProfileEnvelope, summary="Unfollow a user")
async def unfollow(
    username: str,
    viewer: RequiredViewer,
    unfollow_user: Annotated[UnfollowUser, provided(lambda c: c.unfollow_user)],
    get: Annotated[GetProfile, provided(lambda c: c.get_profile)],
) -> Response:
    unfollowed = await unfollow_user(viewer.id, username)
    return rendering.profile(await get(unfollowed, viewer.id))
