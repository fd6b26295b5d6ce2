"""Response shapes of both providers' APIs and the error envelope, for the OpenAPI document.

Routes build the JSON themselves (one serialisation, no model round trip); these models
describe it, and the API tests check the bodies against them.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.json_schema import SkipJsonSchema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Direction(_Strict):
    # Strict: also a request body part (the control API's capabilities), where pydantic
    # would take 1 or "true" for a boolean the schema says is one.
    inbound: StrictBool
    outbound: StrictBool


class StockItemCapabilities(_Strict):
    voice: Direction
    sms: Direction
    mms: Direction


class MonthlyPrice(_Strict):
    currencyCode: str = Field(description="ISO 4217 currency code.", examples=["EUR"])
    amount: StrictInt = Field(
        description="Price in minor units: amount * 10^exponent.", examples=[100]
    )
    exponent: StrictInt = Field(examples=[-2])


class StockItem(_Strict):
    id: uuid.UUID
    countryCode: str = Field(description="ISO 3166-1 alpha-2.", examples=["US"])
    type: Literal["local", "national", "mobile", "toll-free"]
    numberString: str = Field(description="E.164.", examples=["+14155550123"])
    capabilities: StockItemCapabilities
    monthlyPrice: MonthlyPrice
    backOrderRequired: bool = Field(
        description="Whether buying the number needs a back order: its long code number's "
        "order stays pending for 2 days (mock clock), then completes. Here a seeded share "
        "of some countries' stock (DE, FR, IT, ES, JP, AU, BR, IN, ZA), never US, GB or CA."
    )
    # Absent when no back order is required, never null.
    backOrderStockId: uuid.UUID | SkipJsonSchema[None] = Field(
        default=None,
        exclude_if=lambda stock_id: stock_id is None,  # absent, never null
        description="The back-order stock the number comes from; present only when "
        "backOrderRequired is true.",
    )


class StockItemsPage(_Strict):
    results: list[StockItem]
    # Absent on the last page, never null.
    nextPageToken: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only when another page follows; pass it as pageToken.",
    )


class AvailableNumber(_Strict):
    phoneNumber: str = Field(description="E.164.", examples=["+442071234567"])
    locality: str | None = Field(description="City, e.g. London.", examples=["London"])
    administrativeArea: str | None = Field(
        description="State or province code where the numbering plan gives one, e.g. CA.",
        examples=["CA"],
    )
    phoneNumberType: Literal["local", "mobile", "toll_free", "national"]
    features: list[Literal["sms", "voice", "mms"]] = Field(
        description="Channels the number supports, inbound or outbound."
    )
    monthlyPrice: float = Field(
        description="Monthly cost in USD: Bird's price converted at the seed data's rates.",
        examples=[1.15],
    )


class AvailableNumbers(_Strict):
    numbers: list[AvailableNumber]


class ErrorDetail(_Strict):
    code: str = Field(description="Machine-readable error code (see the list above).")
    message: str = Field(description="Human-readable error message.")
    fix: str | None = Field(description="Actionable hint for fixing the error.")
    provider: str | None = Field(
        description="Provider that caused the error (e.g. telnyx, ses); null for our own."
    )
    providerCode: str | None = Field(description="Provider-specific error code.")


class ErrorEnvelope(_Strict):
    trackingId: str = Field(description="Unique per request; also the X-Tracking-Id header.")
    error: ErrorDetail


class Health(_Strict):
    status: Literal["ok"]
