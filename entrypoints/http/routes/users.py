from typing import Annotated

from fastapi import APIRouter

from application.users import GetCurrentUser, LogIn, RegisterUser, UpdateUser
from entrypoints.http.auth import RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.schemas import LoginIn, RegisterIn, UpdateUserIn, UserEnvelope, UserOut

router = APIRouter(prefix=API_PREFIX, tags=["User and Authentication"])


@router.post("/users", status_code=201, summary="Register")
async def register(
    body: RegisterIn, register_user: Annotated[RegisterUser, provided(lambda c: c.register_user)]
) -> UserEnvelope:
    signed_in = await register_user(body.user.username, body.user.email, body.user.password)
    return UserEnvelope(user=UserOut.of(signed_in.user, signed_in.token))


@router.post("/users/login", summary="Log in")
async def log_in(body: LoginIn, log_in: Annotated[LogIn, provided(lambda c: c.log_in)]) -> UserEnvelope:
    signed_in = await log_in(body.user.email, body.user.password)
    return UserEnvelope(user=UserOut.of(signed_in.user, signed_in.token))


@router.get("/user", summary="Current user")
async def current_user(
    viewer: RequiredViewer, get_user: Annotated[GetCurrentUser, provided(lambda c: c.get_current_user)]
) -> UserEnvelope:
    return UserEnvelope(user=UserOut.of(await get_user(viewer.id), viewer.token))


@router.put("/user", summary="Update current user")
async def update_current_user(
    body: UpdateUserIn,
    viewer: RequiredViewer,
    update_user: Annotated[UpdateUser, provided(lambda c: c.update_user)],
) -> UserEnvelope:
    changes = body.user
    user = await update_user(
        viewer.id,
        username=changes.username,
        email=changes.email,
        password=changes.password,
        bio=changes.bio,
        image=changes.image,
        clear_image="image" in changes.model_fields_set and changes.image is None,
    )
    return UserEnvelope(user=UserOut.of(user, viewer.token))
