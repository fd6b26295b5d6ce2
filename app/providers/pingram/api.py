"""Pingram's Numbers API as the registry lists it: operation ids, OpenAPI tags, routers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.providers.api import ProviderApi

if TYPE_CHECKING:
    from fastapi import APIRouter

# The lifecycle's ids are the ones Pingram's own OpenAPI document gives them.
SEARCH_AVAILABLE_NUMBERS = "searchAvailableNumbers"
ORDER_NUMBER = "numbersOrderNumber"
LIST_NUMBERS = "numbersList"
RELEASE_NUMBER = "numbersReleaseNumber"
LIST_RELEASED_NUMBERS = "numbersListReleased"

AVAILABLE_NUMBERS_TAG = "Pingram: available numbers"
NUMBERS_TAG = "Pingram: numbers"


def _routers() -> Sequence[APIRouter]:
    from app.providers.pingram import available_numbers, numbers

    return (available_numbers.router, numbers.router)


API = ProviderApi(
    name="pingram",
    operations=(
        SEARCH_AVAILABLE_NUMBERS,
        ORDER_NUMBER,
        LIST_NUMBERS,
        RELEASE_NUMBER,
        LIST_RELEASED_NUMBERS,
    ),
    tags=(
        {"name": AVAILABLE_NUMBERS_TAG, "description": "Pingram's Numbers API."},
        {
            "name": NUMBERS_TAG,
            "description": "Pingram's number lifecycle for the token's account: order, "
            "list, release, released.",
        },
    ),
    routers=_routers,
)
