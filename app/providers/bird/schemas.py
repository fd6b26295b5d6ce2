"""Bird's shapes (stock items, long code numbers, subscriptions, available numbers), for the
OpenAPI document and the tests.

Routes build the JSON themselves (``app.providers.bird.views``); these models describe it.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field, StrictBool, StrictInt
from pydantic.json_schema import SkipJsonSchema

from app.generator.records import Channel
from app.providers.bird.parameters import MAX_STOCK_ITEMS_PER_ORDER
from app.web.schemas import StrictModel

NumberType = Literal["local", "national", "mobile", "toll-free"]
TIMESTAMP = "ISO 8601 in UTC with milliseconds, e.g. 2026-11-30T15:23:30.395Z."


class Direction(StrictModel):
    # Strict: also a request body part (the control API's capabilities), where pydantic
    # would take 1 or "true" for a boolean the schema says is one.
    inbound: StrictBool
    outbound: StrictBool


class StockItemCapabilities(StrictModel):
    voice: Direction
    sms: Direction
    mms: Direction


class StockItemPrice(StrictModel):
    """Bird's Money: ``amount * 10^exponent`` of the currency. Bird's answers always write it
    in millionths (exponent -6: 1.15 EUR is 1150000); the control API takes any exponent."""

    currencyCode: str = Field(description="ISO 4217 currency code.", examples=["EUR"])
    amount: StrictInt = Field(
        description="The price as amount * 10^exponent: in Bird's answers, millionths.",
        examples=[1150000],
    )
    exponent: StrictInt = Field(description="-6 in Bird's answers.", examples=[-6])


class StockItem(StrictModel):
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


class StockItemsPage(StrictModel):
    results: list[StockItem]
    # Absent on the last page, never null.
    nextPageToken: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only when another page follows; pass it as pageToken.",
    )


class CreateWorkspaceLongCodeNumbers(StrictModel):
    numberStockItemIds: list[uuid.UUID] = Field(
        min_length=1,
        max_length=MAX_STOCK_ITEMS_PER_ORDER,
        json_schema_extra={"uniqueItems": True},
        description="The ids of the stock items to buy (the id of items from "
        "GET /organizations/{organizationId}/numbers-stock-items), 1 to 25, each once. "
        "All are bought or none.",
    )


class LongCodeNumberOrder(StrictModel):
    id: uuid.UUID
    countryCode: str = Field(examples=["US"])
    type: NumberType
    capabilities: list[Channel] = Field(description="Channels the number supports.")
    prefix: str = Field(
        description="What the order asked for, as the stock search takes a prefix: + country "
        "calling code and area code (the country calling code alone where numbers have none).",
        examples=["+1415"],
    )
    status: Literal["draft", "pending", "completed"] = Field(
        description="completed, or pending for 2 days (mock clock) after createdAt when the "
        "stock item needed a back order. Bird's draft (an order not submitted yet) never "
        "shows here: buying submits the order."
    )
    createdAt: str = Field(description=TIMESTAMP)
    updatedAt: str = Field(description=TIMESTAMP + " When it completed, once it has.")


class EndpointDirection(StrictModel):
    status: Literal["active", "inactive"] = Field(
        description="active when the number supports the direction and its order completed."
    )
    issues: list[str]


class DestinationStatuses(StrictModel):
    active: int
    inactive: int
    available: int
    unavailable: int


class EndpointOutbound(EndpointDirection):
    destinationStatuses: DestinationStatuses = Field(
        description="Counts of destination subscriptions; a long code number has none (it "
        "sends wherever its channel reaches): all 0."
    )
    supportsDestinations: bool = Field(
        description="false: per-destination subscriptions are for short codes and alphanumerics."
    )


class EndpointCapability(StrictModel):
    name: Channel
    inbound: EndpointDirection
    outbound: EndpointOutbound


class EndpointDependency(StrictModel):
    type: Literal["connector"]
    connectorId: uuid.UUID


class Endpoint(StrictModel):
    id: uuid.UUID = Field(description="The long code number's id.")
    type: Literal["long-code-number"]
    instanceId: uuid.UUID
    name: str = Field(description="The number, E.164.", examples=["+14155550123"])
    capabilities: list[EndpointCapability] = Field(
        description="One per channel the number supports."
    )
    dependencies: list[EndpointDependency] = Field(
        description="Connectors using the endpoint; numbers-mock has none: always []."
    )


class WorkspaceLongCodeNumber(StrictModel):
    id: uuid.UUID = Field(description="The long code number's id; the endpoint id is the same.")
    endpointId: uuid.UUID = Field(description="Equal to id.")
    numberString: str = Field(description="E.164.", examples=["+14155550123"])
    countryCode: str = Field(description="ISO 3166-1 alpha-2.", examples=["US"])
    type: NumberType
    capabilities: StockItemCapabilities
    createdAt: str = Field(description=TIMESTAMP + " When it was bought (mock clock).")
    updatedAt: str = Field(description=TIMESTAMP)
    deprovisionAt: str | None = Field(
        description=TIMESTAMP + " null until its subscription is cancelled; then the end of "
        "the period already paid, when it leaves the workspace for the stock (mock clock)."
    )
    order: LongCodeNumberOrder = Field(description="The order that created it.")
    endpoint: Endpoint


class WorkspaceLongCodeNumbers(StrictModel):
    results: list[WorkspaceLongCodeNumber] = Field(
        description="In the order of numberStockItemIds."
    )


class WorkspaceNumbersPage(StrictModel):
    results: list[WorkspaceLongCodeNumber]
    # Absent on the last page, never null.
    nextPageToken: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only when another page follows; pass it as pageToken.",
    )


class SubscriptionDetails(StrictModel):
    id: uuid.UUID
    correlationId: uuid.UUID = Field(description="The order that started it.")
    status: Literal["active", "canceled"]
    subscribedAt: str = Field(description=TIMESTAMP + " When the number was bought.")
    updatedAt: str = Field(description=TIMESTAMP)
    canceledAt: str | None = Field(description=TIMESTAMP + " null until cancelled.")
    startAt: str = Field(description=TIMESTAMP + " The start of the current paid month.")
    endAt: str = Field(
        description=TIMESTAMP + " Its end: the next renewal, or once cancelled, the number's "
        "deprovisionAt."
    )


class EndpointSubscription(StrictModel):
    name: Literal["main"] = Field(description="A long code number's one subscription.")
    status: Literal["active", "inactive"] = Field(
        description="active until cancelled, then inactive (the number stays until the end "
        "of the period already paid)."
    )
    price: StockItemPrice = Field(
        description="The number's monthlyPrice when it was bought, in millionths."
    )
    subscription: SubscriptionDetails


class EndpointSubscriptions(StrictModel):
    results: list[EndpointSubscription]


class LegacyCapabilities(StrictModel):
    sms: Direction
    voice: Direction
    mms: Direction
    fax: Direction = Field(description="numbers-mock has no fax numbers: always false.")


class NumberSubscription(StrictModel):
    status: Literal["active", "cancelled"]
    subscribedAt: str = Field(description=TIMESTAMP)
    updatedAt: str = Field(description=TIMESTAMP)
    cancelledAt: str | None = Field(description=TIMESTAMP)


class UpdatedNumber(StrictModel):
    """Bird's older Number, as its cancellation answers it."""

    id: uuid.UUID = Field(description="The long code number's id.")
    status: Literal["active", "pending"] = Field(
        description="pending while a back order waits; active until the number leaves."
    )
    createdAt: str = Field(description=TIMESTAMP)
    updatedAt: str = Field(description=TIMESTAMP)
    type: NumberType
    number: str = Field(description="E.164.", examples=["+14155550123"])
    country: str = Field(description="ISO 3166-1 alpha-2.", examples=["US"])
    capabilities: LegacyCapabilities
    monthlyRecurringPrice: StockItemPrice
    subscription: NumberSubscription
    endpointSubscription: SubscriptionDetails
    activatedAt: str | None = Field(description=TIMESTAMP + " When its order completed.")
    deactivatedAt: str | None = Field(description="null: the number is still here.")
    deactivatesAt: str | None = Field(
        description=TIMESTAMP + " Its deprovisionAt: when it leaves the workspace."
    )


class NumberAvailable(StrictModel):
    type: NumberType
    capabilities: LegacyCapabilities
    number: str = Field(description="E.164.", examples=["+14155550123"])
    country: str = Field(description="ISO 3166-1 alpha-2.", examples=["US"])
    monthlyRecurringPrice: StockItemPrice
    complianceRequirements: list[dict[str, object]] = Field(
        description="numbers-mock asks for no KYC: always []."
    )


class NumbersAvailablePage(StrictModel):
    results: list[NumberAvailable]
    # Absent on the last page, never null.
    nextPageToken: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Present only when another page follows; pass it as pageToken.",
    )
