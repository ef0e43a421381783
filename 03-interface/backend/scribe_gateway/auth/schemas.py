"""API models of the auth endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class UserCreate(BaseModel):
    """Body of ``POST /api/v1/auth/register``."""

    email: EmailStr
    password: str = Field(min_length=8, max_length=128, description="8 to 128 characters")


class UserPublic(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    created_at: datetime


class Token(BaseModel):
    """Answer of ``POST /api/v1/auth/token`` (OAuth2 password flow, RFC 6749 §4.3)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="lifetime of the token in seconds")
