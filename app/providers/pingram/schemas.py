"""Pingram's request and response bodies (search and number lifecycle), as its SDKs read them.

Routes build the JSON themselves (app.providers.pingram.views); these describe it for the
OpenAPI document and the tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from app.generator.records import Channel
from app.web.schemas import StrictModel


class AvailableNumber(StrictModel):
    phoneNumber: str = Field(description="E.164.", examples=["+442071234567"])
    locality: str | None = Field(description="City, e.g. London.", examples=["London"])
    administrativeArea: str | None = Field(
        description="State or province code where the numbering plan gives one, e.g. CA.",
        examples=["CA"],
    )
    phoneNumberType: Literal["local", "mobile", "toll_free", "national"]
    features: list[Channel] = Field(
        description="Channels the number supports, inbound or outbound."
    )
    monthlyPrice: float = Field(
        description="Monthly cost in USD: Bird's price converted at the seed data's rates.",
        examples=[1.15],
    )


class AvailableNumbers(StrictModel):
    numbers: list[AvailableNumber]


class OrderPhoneNumberRequest(StrictModel):
    phoneNumber: str = Field(
        description="E.164, from the search results (the + may be left out).",
        examples=["+14155550123"],
        max_length=32,
    )


class OrderPhoneNumberResponse(StrictModel):
    orderId: str = Field(description="Derived from the order: the same on replay.")
    status: Literal["success"] = Field(description="Orders complete at once here.")
    phoneNumber: str


class AccountNumber(StrictModel):
    phoneNumber: str = Field(description="E.164.")
    label: str | None
    createdAt: str = Field(
        description="ISO timestamp (mock clock) when the number was bought; kept when it is "
        "reactivated.",
        examples=["2026-11-30T15:23:30.395Z"],
    )
    countryCode: str = Field(description="ISO 3166-1 alpha-2.")
    numberType: Literal["local", "mobile", "toll_free", "national"]
    billingStatus: Literal["active", "released"]
    nextBillingDate: str = Field(
        description="YYYY-MM-DD: the next monthly anniversary of createdAt (for a released "
        "number, the one after its release, which is never charged).",
        examples=["2026-12-30"],
    )
    monthlyPrice: float = Field(description="Monthly cost in USD.")
    a2pStatus: Literal["pending", "testing", "approved"] | None = Field(
        description="US 10DLC readiness of US local and mobile numbers: pending for 3 days "
        "after createdAt (mock clock), then approved; null for other numbers."
    )
    boundAgentId: str | None = Field(description="Always null: no voice agents here.")
    releasedAt: str | SkipJsonSchema[None] = Field(
        default=None, description="Released numbers only: when (mock clock)."
    )


class ListPhoneNumbersResponse(StrictModel):
    numbers: list[AccountNumber] = Field(description="Active numbers, oldest first.")
    sharedNumber: str = Field(
        description="E.164 shared number the account can send from when it has no dedicated "
        "number (one US toll-free number for every account here).",
        examples=["+18333658775"],
    )


class ListReleasedPhoneNumbersResponse(StrictModel):
    numbers: list[AccountNumber] = Field(
        description="Numbers released within the last 14 days (mock clock), oldest first."
    )


class ReleasePhoneNumberResponse(StrictModel):
    phoneNumber: str
    released: StrictBool
    releasedAt: str
