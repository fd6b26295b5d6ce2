"""Bird's Numbers API as the registry lists it: operation ids, OpenAPI tags, routers; and
what the control API uses of Bird: its stock item (schema and builder), the shape the
control API shows a number of the inventory in, and its stock filters, which a scenario's
soldOut step reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.providers.api import ProviderApi
from app.providers.bird.operations import (
    CANCEL_NUMBER_SUBSCRIPTION,
    CREATE_LONG_CODE_NUMBERS,
    GET_ENDPOINT_SUBSCRIPTION,
    GET_LONG_CODE_NUMBER,
    LIST_AVAILABLE_NUMBERS,
    LIST_ENDPOINT_SUBSCRIPTIONS,
    LIST_STOCK_ITEMS,
    LIST_WORKSPACE_LONG_CODE_NUMBERS,
    LIST_WORKSPACE_NUMBERS,
    LIST_WORKSPACE_STOCK_ITEMS,
    LONG_CODE_NUMBERS_TAG,
    STOCK_ITEMS_TAG,
    SUBSCRIPTIONS_TAG,
)
from app.providers.bird.schemas import StockItem, StockItemCapabilities, StockItemPrice
from app.providers.bird.stock_filters import stock_items_query
from app.providers.bird.views import stock_item_json

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = [
    "API",
    "StockItem",
    "StockItemCapabilities",
    "StockItemPrice",
    "stock_item_json",
    "stock_items_query",
]


def _routers() -> Sequence[APIRouter]:
    # Imported when the app mounts them: the CLI and the control API read the operation ids
    # without loading the routes (and FastAPI with them).
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
