"""Request and response bodies, named as the RealWorld spec names them (camelCase on the wire)."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from domain.users import User


class _In(BaseModel):
    # Unknown fields are ignored, as the spec's clients expect; types are checked, meaning is the domain's.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class NewUserIn(_In):
    username: str
    email: str
    password: str


class RegisterIn(_In):
    user: NewUserIn


class CredentialsIn(_In):
    email: str
    password: str


class LoginIn(_In):
    user: CredentialsIn


class UserChangesIn(_In):
    """Every field optional; ``image: null`` or ``""`` removes the image, other nulls change nothing."""

    email: str | None = None
    username: str | None = None
    password: str | None = None
    bio: str | None = None
    image: str | None = None


class UpdateUserIn(_In):
    user: UserChangesIn


class UserOut(_Out):
    email: str
    token: str
    username: str
    bio: str
    image: str | None

    @classmethod
    def of(cls, user: User, token: str) -> "UserOut":
        return cls(email=user.email, token=token, username=user.username, bio=user.bio, image=user.image)


class UserEnvelope(_Out):
    user: UserOut
