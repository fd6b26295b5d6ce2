"""Bird's Numbers API as the registry lists it: operation ids, OpenAPI tags, routers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.providers.api import ProviderApi

if TYPE_CHECKING:
    from fastapi import APIRouter

LIST_STOCK_ITEMS = "listStockItems"
LIST_WORKSPACE_STOCK_ITEMS = "listWorkspaceStockItems"
LIST_AVAILABLE_NUMBERS = "listAvailableNumbers"
CREATE_LONG_CODE_NUMBERS = "createLongCodeNumbers"
LIST_WORKSPACE_LONG_CODE_NUMBERS = "listWorkspaceLongCodeNumbers"
LIST_WORKSPACE_NUMBERS = "listWorkspaceNumbers"
GET_LONG_CODE_NUMBER = "getLongCodeNumber"
LIST_ENDPOINT_SUBSCRIPTIONS = "listEndpointSubscriptions"
GET_ENDPOINT_SUBSCRIPTION = "getEndpointSubscription"
CANCEL_NUMBER_SUBSCRIPTION = "cancelNumberSubscription"

STOCK_ITEMS_TAG = "Bird: numbers stock items"
LONG_CODE_NUMBERS_TAG = "Bird: long code numbers"
SUBSCRIPTIONS_TAG = "Bird: endpoint subscriptions"


def _routers() -> Sequence[APIRouter]:
    from app.providers.bird import (
        long_code_numbers,
        stock_items,
        subscriptions,
        workspace_search,
    )

    return (
        stock_items.router,
        workspace_search.router,
        long_code_numbers.router,
        subscriptions.router,
    )


API = ProviderApi(
    name="bird",
    operations=(
        LIST_STOCK_ITEMS,
        LIST_WORKSPACE_STOCK_ITEMS,
        LIST_AVAILABLE_NUMBERS,
        CREATE_LONG_CODE_NUMBERS,
        LIST_WORKSPACE_LONG_CODE_NUMBERS,
        LIST_WORKSPACE_NUMBERS,
        GET_LONG_CODE_NUMBER,
        LIST_ENDPOINT_SUBSCRIPTIONS,
        GET_ENDPOINT_SUBSCRIPTION,
        CANCEL_NUMBER_SUBSCRIPTION,
    ),
    tags=(
        {
            "name": STOCK_ITEMS_TAG,
            "description": "Bird's Numbers API: the stock to buy, at organization and "
            "workspace level, and the older available numbers. Prices in millionths "
            "(exponent -6), as everywhere Bird shows one.",
        },
        {
            "name": LONG_CODE_NUMBERS_TAG,
            "description": "Bird's Numbers API: buy stock items into a workspace as long "
            "code numbers, list and read them.",
        },
        {
            "name": SUBSCRIPTIONS_TAG,
            "description": "Bird's Numbers API: a long code number's monthly subscription "
            "(main) and its cancellation; the number leaves the workspace, back to stock, "
            "at the end of the period already paid (mock clock).",
        },
    ),
    routers=_routers,
)
