from fastapi import APIRouter, Request

from entrypoints.http.deps import conduit, viewer
from entrypoints.http.openapi import TOKEN
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.schemas import LoginIn, RegisterIn, UpdateUserIn, UserEnvelope, UserOut

router = APIRouter(prefix=API_PREFIX, tags=["User and Authentication"])


@router.post("/users", status_code=201, summary="Register")
async def register(body: RegisterIn, request: Request) -> UserEnvelope:
    new = body.user
    signed_in = await conduit(request).register_user()(new.username, new.email, new.password)
    return UserEnvelope(user=UserOut.of(signed_in.user, signed_in.token))


@router.post("/users/login", summary="Log in")
async def log_in(body: LoginIn, request: Request) -> UserEnvelope:
    signed_in = await conduit(request).log_in()(body.user.email, body.user.password)
    return UserEnvelope(user=UserOut.of(signed_in.user, signed_in.token))


@router.get("/user", openapi_extra=TOKEN, summary="Current user")
async def current_user(request: Request) -> UserEnvelope:
    caller = viewer(request)
    user = await conduit(request).get_current_user()(caller.id)
    return UserEnvelope(user=UserOut.of(user, caller.token))


@router.put("/user", openapi_extra=TOKEN, summary="Update current user")
async def update_current_user(body: UpdateUserIn, request: Request) -> UserEnvelope:
    caller, changes = viewer(request), body.user
    user = await conduit(request).update_user()(
        caller.id,
        username=changes.username,
        email=changes.email,
        password=changes.password,
        bio=changes.bio,
        image=changes.image,
        clear_image="image" in changes.model_fields_set and changes.image is None,
    )
    return UserEnvelope(user=UserOut.of(user, caller.token))
