"""Request and response bodies of the control API (``/_mock``).

A response model builds itself from the database rows (``from_attributes``, or a small
``of`` classmethod where a field is derived) and the route returns it; FastAPI serialises it
by alias. Fields are snake_case in Python, camelCase in JSON.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import SkipJsonSchema

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.db.models import InventoryNumber, OwnedNumber, OwnerProvider
from app.journal.repository import JournalExchange
from app.lifecycle.mock_clock import ClockReading, as_utc, iso_millis, real_now
from app.lifecycle.ownership import RELEASE_HOLD
from app.providers.registry import (
    ANY_OPERATION,
    OPERATIONS,
    StockItem,
    StockItemCapabilities,
    StockItemPrice,
    stock_item_json,
)
from app.scripting.script import (
    TransportFaultKind,
)


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


class RequestBody(BaseModel):
    """Read by the camelCase names only (as documented); anything else is refused."""

    # Numbers and booleans are Strict* in requests: pydantic would otherwise take false for 0
    # and "5" for 5, which the OpenAPI schema (integer, boolean) does not allow.
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, serialize_by_alias=True)


def _iso_utc(moment: datetime) -> str:
    """UTC with the stored precision: 2026-11-30T15:23:30.395123Z (no fraction when 0)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


# When the mock recorded something (a fault's creation, a request's arrival), on real time.
RecordedTime = Annotated[datetime, PlainSerializer(_iso_utc), WithJsonSchema({"type": "string"})]
# A time on the mock clock, in the providers' form: UTC, milliseconds, Z.
MockClockTime = Annotated[datetime, PlainSerializer(iso_millis), WithJsonSchema({"type": "string"})]

_RESPONSE_CONFIG = ConfigDict(
    extra="forbid",  # additionalProperties: false in the OpenAPI document, as the JSON is
    from_attributes=True,
    alias_generator=to_camel,
    validate_by_name=True,  # pydantic's successor of populate_by_name
    serialize_by_alias=True,
)


class ResponseBody(BaseModel):
    """Built from the rows by attribute (snake_case); written in camelCase."""

    model_config = _RESPONSE_CONFIG


class TokenRequest(RequestBody):
    organization_id: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    sub: str = Field(
        default="numbers-mock-user", min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )
    ttl_seconds: StrictInt = Field(default=3600, ge=1, le=31_536_000)


class TokenResponse(ResponseBody):
    token: str


class AccessKeyRequest(RequestBody):
    organization_id: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    workspaces: list[
        Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^/\x00-\x1f\x7f]+$")]
    ] = Field(
        default=[],
        max_length=100,
        description="The workspaces the key may use; empty: any of the organization's.",
    )


class AccessKeyResponse(ResponseBody):
    access_key: str = Field(description="Send it as `Authorization: AccessKey <accessKey>`.")


class ExplicitNumber(RequestBody):
    number_string: str = Field(description="E.164, validated with libphonenumber.")
    type: StockType | None = Field(default=None, description="Inferred when absent.")
    locality: str | None = Field(default=None, max_length=128)
    administrative_area: str | None = Field(default=None, max_length=16)
    capabilities: StockItemCapabilities | None = Field(
        default=None, description="Drawn like the seed's when absent."
    )
    whatsapp: StrictBool | None = None
    monthly_price: StockItemPrice | None = Field(
        default=None, description="The seed data's price for the country and type when absent."
    )


class AddNumbersRequest(RequestBody):
    """Either generate numbers (countryCode, type, count, ...) or name them (numbers)."""

    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    type: StockType | None = None
    count: StrictInt | None = Field(default=None, ge=1, le=10_000)
    area_code: str | None = Field(default=None, pattern=r"^[0-9]{1,10}$")
    features: list[StockFeature] | None = Field(
        default=None, description="Capabilities every generated number gets."
    )
    numbers: list[ExplicitNumber] | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        generating = [self.country_code, self.type, self.count, self.area_code, self.features]
        if self.numbers is not None:
            if any(value is not None for value in generating):
                raise ValueError("give either numbers, or countryCode/type/count; not both")
        elif self.country_code is None or self.type is None or self.count is None:
            raise ValueError("give countryCode, type and count (or a list of numbers)")
        return self


class NumberOwner(ResponseBody):
    """Who bought a number through a provider API, and when (mock clock)."""

    provider: Literal["bird", "pingram"]
    organization_id: str = Field(description="Bird's organization, or Pingram's account.")
    workspace_id: str | None = Field(description="Bird only: the workspace holding the LCN.")
    order_id: str
    long_code_number_id: str | None = Field(description="Bird only: the LCN's id (= endpointId).")
    created_at: MockClockTime
    updated_at: MockClockTime
    released_at: MockClockTime | None = Field(
        description="Pingram: released and held for the account."
    )
    hold_ends_at: MockClockTime | None = Field(
        description="When a released number returns to public stock (14 days after release)."
    )
    # Present only once a Bird number's subscription is cancelled (absent, never null).
    cancelled_at: MockClockTime | SkipJsonSchema[None] = Field(
        default=None,
        exclude_if=lambda moment: moment is None,
        description="Bird, once cancelled: when the number's subscription was cancelled.",
    )
    deprovision_at: MockClockTime | SkipJsonSchema[None] = Field(
        default=None,
        exclude_if=lambda moment: moment is None,
        description="Bird, once cancelled: when the number leaves its workspace and returns "
        "to public stock (the end of the month already paid).",
    )

    @classmethod
    def of(cls, owned: OwnedNumber) -> Self:
        released_at = None if owned.released_at is None else as_utc(owned.released_at)
        is_bird = owned.provider == OwnerProvider.BIRD.value
        return cls(
            provider=owned.provider,
            organization_id=owned.owner_id,
            workspace_id=owned.workspace_id,
            order_id=str(owned.order_id),
            long_code_number_id=str(owned.long_code_number_id) if is_bird else None,
            created_at=owned.created_at,
            updated_at=owned.updated_at,
            released_at=released_at,
            hold_ends_at=None if released_at is None else released_at + RELEASE_HOLD,
            cancelled_at=owned.cancelled_at,
            deprovision_at=owned.deprovision_at,
        )


class NumberState(StockItem):
    """A number of the inventory: Bird's stock item, and what only the mock knows of it."""

    model_config = _RESPONSE_CONFIG
    locality: str | None
    administrative_area: str | None
    whatsapp: bool
    status: Literal["in_stock", "reserved", "sold", "removed"]
    purchased_by: str | None
    origin: Literal["seed", "control"]
    owner: NumberOwner | None = Field(
        description="Set when the number was bought through Bird or Pingram (or given as if)."
    )

    @classmethod
    def of(cls, number: InventoryNumber, owned: OwnedNumber | None = None) -> Self:
        return cls(
            **stock_item_json(number),  # Bird's builder: the one place a stock item is shaped
            locality=number.locality,
            administrative_area=number.administrative_area,
            whatsapp=number.whatsapp,
            status=number.status,
            purchased_by=number.purchased_by,
            origin=number.origin,
            owner=None if owned is None else NumberOwner.of(owned),
        )


class NumberStates(ResponseBody):
    numbers: list[NumberState]


class PurchaseRequest(RequestBody):
    organization_id: str = Field(
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
    workspace_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        pattern=IDENTIFIER_PATTERN,
        description="With provider bird: the workspace.",
    )


class RecordedRequest(ResponseBody):
    """A provider request of the journal (never its Authorization)."""

    tracking_id: str
    operation: str
    method: str
    path: str
    query: str
    status: int | None = Field(description="null: no status line was sent (see fault).")
    fault: TransportFaultKind | None = Field(description="The transport fault it met.")
    duration_ms: float
    received_at: RecordedTime
    organization_id: str | None
    sub: str | None


class RecordedRequests(ResponseBody):
    requests: list[RecordedRequest]


class ExchangedMessage(ResponseBody):
    headers: dict[str, str] = Field(
        description="Lower-case names; Authorization and Cookie are never stored."
    )
    body: str | None = Field(description="As text; the first 64 KiB.")

    @classmethod
    def of(cls, headers: str | None, body: str | None) -> Self:
        """From the journal's columns: the headers as a JSON object, the body as text."""
        return cls(headers=json.loads(headers or "{}"), body=body)


class RecordedExchange(RecordedRequest):
    """One journaled request with what it exchanged."""

    request: ExchangedMessage
    response: ExchangedMessage

    @classmethod
    def of(cls, exchange: JournalExchange) -> Self:
        entry = exchange.entry
        return cls(
            **dict(RecordedRequest.model_validate(entry)),
            request=ExchangedMessage.of(entry.request_headers, exchange.request_body),
            response=ExchangedMessage.of(entry.response_headers, exchange.response_body),
        )


class StockCount(ResponseBody):
    country_code: str
    type: StockType
    in_stock: int


class StockCounts(ResponseBody):
    total: int = Field(description="Numbers in stock.")
    counts: list[StockCount] = Field(description="Per country and type, by country then type.")


class ResetResult(ResponseBody):
    in_stock: int = Field(description="Numbers in stock after the reset.")


class ClockMove(RequestBody):
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


class Clock(ResponseBody):
    now: MockClockTime = Field(
        description="The mock clock's time.", examples=["2026-12-14T15:00:00.000Z"]
    )
    real_now: MockClockTime = Field(description="The real time, for comparison.")
    offset_seconds: float = Field(description="Mock time minus real time.")
    frozen: bool

    @classmethod
    def of(cls, reading: ClockReading) -> Self:
        return cls(
            now=reading.now,
            real_now=real_now(),
            offset_seconds=round(reading.offset.total_seconds(), 3),
            frozen=reading.frozen,
        )
