"""Shapes every API shares, for the OpenAPI document: the error envelope and the health check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class StrictModel(BaseModel):
    """A body of the APIs' own shapes: a field it does not name is refused (and the OpenAPI
    document says ``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(StrictModel):
    code: str = Field(description="Machine-readable error code (see the list above).")
    message: str = Field(description="Human-readable error message.")
    fix: str | None = Field(description="Actionable hint for fixing the error.")
    provider: str | None = Field(
        description="Provider that caused the error (e.g. telnyx, ses); null for our own."
    )
    providerCode: str | None = Field(description="Provider-specific error code.")


class ErrorEnvelope(StrictModel):
    trackingId: str = Field(description="Unique per request; also the X-Tracking-Id header.")
    error: ErrorDetail


class Health(StrictModel):
    status: Literal["ok"]
