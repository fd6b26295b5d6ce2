"""Request and response bodies of the control API (``/_mock``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    WithJsonSchema,
    model_validator,
)

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.providers.bird.schemas import StockItem, StockItemCapabilities, StockItemPrice
from app.providers.registry import ANY_OPERATION, OPERATIONS


def _known_operation(value: str) -> str:
    if value not in (*OPERATIONS, ANY_OPERATION):
        raise ValueError(f"unknown operation {value!r}; use one of {', '.join(OPERATIONS)} or *")
    return value


# A provider operation's id (the registry's), or "*" for all of them.
Operation = Annotated[
    str,
    AfterValidator(_known_operation),
    WithJsonSchema({"type": "string", "enum": [*OPERATIONS, ANY_OPERATION]}),
]
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
    organizationId: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    sub: str = Field(
        default="numbers-mock-user", min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )
    ttlSeconds: StrictInt = Field(default=3600, ge=1, le=31_536_000)


class TokenResponse(_Body):
    token: str


class AccessKeyRequest(_Body):
    organizationId: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    workspaces: list[
        Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^/\x00-\x1f\x7f]+$")]
    ] = Field(
        default=[],
        max_length=100,
        description="The workspaces the key may use; empty: any of the organization's.",
    )


class AccessKeyResponse(_Body):
    accessKey: str = Field(description="Send it as `Authorization: AccessKey <accessKey>`.")


class ExplicitNumber(_Body):
    numberString: str = Field(description="E.164, validated with libphonenumber.")
    type: StockType | None = Field(default=None, description="Inferred when absent.")
    locality: str | None = Field(default=None, max_length=128)
    administrativeArea: str | None = Field(default=None, max_length=16)
    capabilities: StockItemCapabilities | None = Field(
        default=None, description="Drawn like the seed's when absent."
    )
    whatsapp: StrictBool | None = None
    monthlyPrice: StockItemPrice | None = Field(
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


class NumberOwner(_Body):
    """Who bought a number through a provider API, and when (mock clock)."""

    provider: Literal["bird", "pingram"]
    organizationId: str = Field(description="Bird's organization, or Pingram's account.")
    workspaceId: str | None = Field(description="Bird only: the workspace holding the LCN.")
    orderId: str
    longCodeNumberId: str | None = Field(description="Bird only: the LCN's id (= endpointId).")
    createdAt: str
    updatedAt: str
    releasedAt: str | None = Field(description="Pingram: released and held for the account.")
    holdEndsAt: str | None = Field(
        description="When a released number returns to public stock (14 days after release)."
    )


class InventoryNumber(StockItem):
    locality: str | None
    administrativeArea: str | None
    whatsapp: bool
    status: Literal["in_stock", "reserved", "sold", "removed"]
    purchasedBy: str | None
    origin: Literal["seed", "control"]
    owner: NumberOwner | None = Field(
        description="Set when the number was bought through Bird or Pingram (or given as if)."
    )


class InventoryNumbers(_Body):
    numbers: list[InventoryNumber]


class PurchaseRequest(_Body):
    organizationId: str = Field(
        min_length=1,
        max_length=256,
        pattern=IDENTIFIER_PATTERN,
        description="The buyer: Bird's organization or Pingram's account.",
    )
    provider: Literal["bird", "pingram"] | None = Field(
        default=None,
        description="Give the number as if bought through this provider's API (it then shows "
        "in Pingram's GET /numbers/list, or in the Bird workspace's numbers). Absent: sold "
        "elsewhere, listed by neither.",
    )
    workspaceId: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        pattern=IDENTIFIER_PATTERN,
        description="With provider bird: the workspace.",
    )


class FaultRequest(_Body):
    operation: Operation
    organizationId: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )
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
    organizationId: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )


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


class ExchangedMessage(_Body):
    headers: dict[str, str] = Field(
        description="Lower-case names; Authorization and Cookie are never stored."
    )
    body: str | None = Field(description="As text; the first 64 KiB.")


class JournalEntryDetail(JournalEntry):
    """One journaled request with what it exchanged."""

    request: ExchangedMessage
    response: ExchangedMessage


class StockCount(_Body):
    countryCode: str
    type: StockType
    inStock: int


class StockCounts(_Body):
    total: int = Field(description="Numbers in stock.")
    counts: list[StockCount] = Field(description="Per country and type, by country then type.")


class ResetResult(_Body):
    inStock: int = Field(description="Numbers in stock after the reset.")


class ClockMove(_Body):
    """Advance the mock clock by a duration, or set it to an instant (give one)."""

    advance: timedelta | None = Field(
        default=None,
        description="ISO 8601 duration (P14D, PT1H30M) or seconds; moves the clock forward.",
        examples=["P14D"],
    )
    now: AwareDatetime | None = Field(
        default=None,
        description="The instant the clock shows from now on (ISO 8601 with offset).",
        examples=["2027-01-01T00:00:00Z"],
    )
    frozen: StrictBool | None = Field(
        default=None,
        description="With now: stop the clock there (it moves only when told), for "
        "byte-identical answers. Default: keep running from that instant.",
    )

    @model_validator(mode="after")
    def _one_move(self) -> Self:
        if (self.advance is None) == (self.now is None):
            raise ValueError("give either advance (a duration) or now (an instant)")
        if self.advance is not None and self.advance <= timedelta(0):
            raise ValueError("advance must be a positive duration; the clock never goes back")
        if self.advance is not None and self.advance > timedelta(days=36_500):
            raise ValueError("advance at most 100 years at a time")
        if self.frozen is not None and self.now is None:
            raise ValueError("frozen goes with now")
        return self


class Clock(_Body):
    now: str = Field(description="The mock clock's time.", examples=["2026-12-14T15:00:00.000Z"])
    realNow: str = Field(description="The real time, for comparison.")
    offsetSeconds: float = Field(description="Mock time minus real time.")
    frozen: bool
