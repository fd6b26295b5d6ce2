"""Request and response bodies of the control API (``/_mock``)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from app.schemas import MonthlyPrice, StockItem, StockItemCapabilities

Operation = Literal["listStockItems", "searchAvailableNumbers", "*"]
StockType = Literal["local", "national", "mobile", "toll-free"]
StockFeature = Literal[
    "voice-inbound",
    "voice-outbound",
    "sms-inbound",
    "sms-outbound",
    "mms-inbound",
    "mms-outbound",
    "whatsapp",
]


class _Body(BaseModel):
    # Numbers and booleans are Strict* in requests: pydantic would otherwise take false for 0
    # and "5" for 5, which the OpenAPI schema (integer, boolean) does not allow.
    model_config = ConfigDict(extra="forbid")


class TokenRequest(_Body):
    organizationId: str = Field(min_length=1, max_length=256)
    sub: str = Field(default="numbers-mock-user", min_length=1, max_length=256)
    ttlSeconds: StrictInt = Field(default=3600, ge=1, le=31_536_000)


class TokenResponse(_Body):
    token: str


class ExplicitNumber(_Body):
    numberString: str = Field(description="E.164, validated with libphonenumber.")
    type: StockType | None = Field(default=None, description="Inferred when absent.")
    locality: str | None = Field(default=None, max_length=128)
    administrativeArea: str | None = Field(default=None, max_length=16)
    capabilities: StockItemCapabilities | None = Field(
        default=None, description="Drawn like the seed's when absent."
    )
    whatsapp: StrictBool | None = None
    monthlyPrice: MonthlyPrice | None = Field(
        default=None, description="The seed data's price for the country and type when absent."
    )


class AddNumbersRequest(_Body):
    """Either generate numbers (countryCode, type, count, ...) or name them (numbers)."""

    countryCode: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    type: StockType | None = None
    count: StrictInt | None = Field(default=None, ge=1, le=10_000)
    areaCode: str | None = Field(default=None, pattern=r"^[0-9]{1,10}$")
    features: list[StockFeature] | None = Field(
        default=None, description="Capabilities every generated number gets."
    )
    numbers: list[ExplicitNumber] | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        generating = [self.countryCode, self.type, self.count, self.areaCode, self.features]
        if self.numbers is not None:
            if any(value is not None for value in generating):
                raise ValueError("give either numbers, or countryCode/type/count; not both")
        elif self.countryCode is None or self.type is None or self.count is None:
            raise ValueError("give countryCode, type and count (or a list of numbers)")
        return self


class InventoryNumber(StockItem):
    locality: str | None
    administrativeArea: str | None
    whatsapp: bool
    status: Literal["in_stock", "reserved", "sold", "removed"]
    purchasedBy: str | None
    origin: Literal["seed", "control"]


class InventoryNumbers(_Body):
    numbers: list[InventoryNumber]


class PurchaseRequest(_Body):
    organizationId: str = Field(min_length=1, max_length=256)


class FaultRequest(_Body):
    operation: Operation
    organizationId: str | None = Field(default=None, min_length=1, max_length=256)
    status: StrictInt | None = Field(default=None, ge=400, le=599)
    code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$")
    message: str | None = Field(default=None, max_length=1000)
    fix: str | None = Field(default=None, max_length=1000)
    provider: str | None = Field(default=None, max_length=64)
    providerCode: str | None = Field(default=None, max_length=64)
    delayMs: StrictInt | None = Field(default=None, ge=0, le=60_000)
    times: StrictInt | None = Field(default=None, ge=1, description="Absent: until deleted.")
    probability: StrictFloat | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        if self.status is None and self.delayMs is None:
            raise ValueError("give a status (fail), a delayMs (slow down), or both")
        return self


class Fault(_Body):
    id: str
    operation: Operation
    organizationId: str | None
    status: int | None
    code: str | None
    message: str | None
    fix: str | None
    provider: str | None
    providerCode: str | None
    delayMs: int | None
    times: int | None = Field(description="Times left to fire; null: until deleted.")
    probability: float | None
    fired: int
    createdAt: str


class Faults(_Body):
    faults: list[Fault]


class RateLimitRequest(_Body):
    operation: Operation
    limit: StrictInt = Field(ge=1, le=1_000_000)
    windowSeconds: StrictInt = Field(ge=1, le=86_400)
    organizationId: str | None = Field(default=None, min_length=1, max_length=256)


class RateLimit(_Body):
    id: str
    operation: Operation
    organizationId: str | None
    limit: int
    windowSeconds: int
    createdAt: str


class RateLimits(_Body):
    rateLimits: list[RateLimit]


class JournalEntry(_Body):
    trackingId: str
    operation: str
    method: str
    path: str
    query: str
    status: int
    durationMs: float
    receivedAt: str
    organizationId: str | None
    sub: str | None


class Journal(_Body):
    requests: list[JournalEntry]


class ResetResult(_Body):
    inStock: int = Field(description="Numbers in stock after the reset.")
