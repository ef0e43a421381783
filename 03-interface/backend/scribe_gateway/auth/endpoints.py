"""``/api/v1/auth``: register, token (OAuth2 password form), me."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from scribe_gateway.auth import service
from scribe_gateway.auth.schemas import Token, UserCreate, UserPublic
from scribe_gateway.auth.throttle import ClientAddress, ThrottleDep
from scribe_gateway.deps import CurrentUser, PlatformDep, SessionDep
from scribe_gateway.schemas import ErrorResponse, error_responses

router = APIRouter(prefix="/auth", tags=["auth"])

_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorResponse,
        "description": "Too many failed attempts (`too_many_attempts`); retry after "
        "`Retry-After` seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds until the next attempt is counted",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
}


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses={**error_responses(409), **_THROTTLED},
)
async def register(
    data: UserCreate, session: SessionDep, throttle: ThrottleDep, address: ClientAddress
) -> UserPublic:
    """Create an account with an e-mail and a password (attempts are limited per address)."""
    return UserPublic.model_validate(await service.register(session, throttle, address, data))


@router.post("/token", response_model=Token, responses={**error_responses(401), **_THROTTLED})
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    platform: PlatformDep,
    session: SessionDep,
    throttle: ThrottleDep,
    address: ClientAddress,
) -> Token:
    """Exchange e-mail (``username``) and password for a bearer token (OAuth2 password flow).

    Failed attempts are limited per account and per client address: past the limit the answer
    is 429 with ``Retry-After``, whatever the password.
    """
    return await service.login(platform, session, throttle, address, form.username, form.password)


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
async def me(user: CurrentUser) -> UserPublic:
    """The user the bearer token belongs to."""
    return UserPublic.model_validate(user)
