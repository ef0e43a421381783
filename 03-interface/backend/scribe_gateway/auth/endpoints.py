"""``/api/v1/auth``: register, token (OAuth2 password form), me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from scribe_gateway.auth import service
from scribe_gateway.auth.schemas import Token, UserCreate, UserPublic
from scribe_gateway.deps import CurrentUser, PlatformDep, SessionDep
from scribe_gateway.schemas import error_responses

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=error_responses(409),
)
async def register(data: UserCreate, session: SessionDep) -> UserPublic:
    """Create an account with an e-mail and a password."""
    return UserPublic.model_validate(await service.register(session, data))


@router.post("/token", response_model=Token, responses=error_responses(401))
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    platform: PlatformDep,
    session: SessionDep,
) -> Token:
    """Exchange e-mail (``username``) and password for a bearer token (OAuth2 password flow)."""
    return await service.login(platform, session, form.username, form.password)


@router.get("/me", response_model=UserPublic, responses=error_responses(401))
async def me(user: CurrentUser) -> UserPublic:
    """The user the bearer token belongs to."""
    return UserPublic.model_validate(user)
