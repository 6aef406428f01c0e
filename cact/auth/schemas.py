from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cact.auth.passwords import password_problem

Role = Literal["admin", "editor", "proctor", "assessor", "lead_assessor"]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class StaffUserBase(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, roles: list[str]) -> list[str]:
        return sorted(set(roles))


class StaffUserCreate(StaffUserBase):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    password: str = Field(min_length=10, max_length=256)

    @field_validator("password")
    @classmethod
    def _strong_password(cls, password: str, info: ValidationInfo) -> str:
        # Fields validate in order, so the name and username are known here (when valid).
        context = (str(info.data.get("username", "")), *str(info.data.get("full_name", "")).split())
        problem = password_problem(password, context)
        if problem:
            raise ValueError(problem)
        return password


class StaffUserUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[Role] | None = Field(default=None, min_length=1)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=256)

    @field_validator("password")
    @classmethod
    def _strong_password(cls, password: str | None) -> str | None:
        problem = password_problem(password) if password is not None else None
        if problem:
            raise ValueError(problem)
        return password


class StaffUserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    roles: list[str]
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class LoginResponse(BaseModel):
    user: StaffUserRead
    csrf_token: str
