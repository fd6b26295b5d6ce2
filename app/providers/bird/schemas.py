"""Bird's shapes (stock items, long code numbers), for the OpenAPI document and the tests.

Routes build the JSON themselves (``app.providers.bird.views``); these models describe it.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.json_schema import SkipJsonSchema

from app.providers.bird.parameters import MAX_STOCK_ITEMS_PER_ORDER

NumberType = Literal["local", "national", "mobile", "toll-free"]
Channel = Literal["sms", "voice", "mms"]
TIMESTAMP = "ISO 8601 in UTC with milliseconds, e.g. 2026-11-30T15:23:30.395Z."


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


class StockItemPrice(_Strict):
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
    monthlyPrice: StockItemPrice
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


class CreateWorkspaceLongCodeNumbers(_Strict):
    numberStockItemIds: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_STOCK_ITEMS_PER_ORDER,
        json_schema_extra={"uniqueItems": True},
        description="The ids of the stock items to buy (the id of items from "
        "GET /organizations/{organizationId}/numbers-stock-items), 1 to 25, each once. "
        "All are bought or none.",
    )


class LongCodeNumberOrder(_Strict):
    id: uuid.UUID
    countryCode: str = Field(examples=["US"])
    type: NumberType
    capabilities: list[Channel] = Field(description="Channels the number supports.")
    status: Literal["pending", "completed"] = Field(
        description="completed, or pending for 2 days (mock clock) after createdAt when the "
        "stock item needed a back order."
    )
    createdAt: str = Field(description=TIMESTAMP)
    updatedAt: str = Field(description=TIMESTAMP + " When it completed, once it has.")


class EndpointDirection(_Strict):
    status: Literal["active", "inactive"] = Field(
        description="active when the number supports the direction and its order completed."
    )
    issues: list[str]


class EndpointCapability(_Strict):
    name: Channel
    inbound: EndpointDirection
    outbound: EndpointDirection


class Endpoint(_Strict):
    id: uuid.UUID = Field(description="The long code number's id.")
    type: Literal["long-code-number"]
    instanceId: uuid.UUID
    name: str = Field(description="The number, E.164.", examples=["+14155550123"])
    capabilities: list[EndpointCapability] = Field(
        description="One per channel the number supports."
    )


class WorkspaceLongCodeNumber(_Strict):
    id: uuid.UUID = Field(description="The long code number's id; the endpoint id is the same.")
    endpointId: uuid.UUID = Field(description="Equal to id.")
    numberString: str = Field(description="E.164.", examples=["+14155550123"])
    countryCode: str = Field(description="ISO 3166-1 alpha-2.", examples=["US"])
    type: NumberType
    capabilities: StockItemCapabilities
    createdAt: str = Field(description=TIMESTAMP + " When it was bought (mock clock).")
    updatedAt: str = Field(description=TIMESTAMP)
    order: LongCodeNumberOrder = Field(description="The order that created it.")
    endpoint: Endpoint


class WorkspaceLongCodeNumbers(_Strict):
    results: list[WorkspaceLongCodeNumber] = Field(
        description="In the order of numberStockItemIds."
    )


class WorkspaceNumbersPage(_Strict):
    results: list[WorkspaceLongCodeNumber]
    # Absent on the last page, never null.
    nextPageToken: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only when another page follows; pass it as pageToken.",
    )
