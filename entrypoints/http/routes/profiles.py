from fastapi import Request, Response

from entrypoints.http import rendering
from entrypoints.http.deps import conduit, viewer, viewer_id
from entrypoints.http.openapi import TOKEN, TOKEN_OPTIONAL, may_answer
from entrypoints.http.rendering import ProfileEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes

routes = Routes(prefix=f"{API_PREFIX}/profiles", tags=["Profile"])


@routes.get(
    "/{username}",
    response_model=ProfileEnvelope,
    openapi_extra=TOKEN_OPTIONAL,
    responses=may_answer(404),
    summary="Get a profile",
)
async def get_profile(username: str, request: Request) -> Response:
    return rendering.profile(await conduit(request).get_profile()(username, await viewer_id(request)))


@routes.post(
    "/{username}/follow",
    response_model=ProfileEnvelope,
    openapi_extra=TOKEN,
    # 422: following yourself.
    responses=may_answer(404, 422, 429),
    summary="Follow a user",
)
async def follow(username: str, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    return rendering.profile(await use.follow_user()(caller.id, username))


@routes.delete(
    "/{username}/follow",
    response_model=ProfileEnvelope,
    openapi_extra=TOKEN,
    # 422: unfollowing yourself.
    responses=may_answer(404, 422, 429),
    summary="Unfollow a user",
)
async def unfollow(username: str, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    return rendering.profile(await use.unfollow_user()(caller.id, username))
