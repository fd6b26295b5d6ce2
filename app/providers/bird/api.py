"""Bird's Numbers API as the registry lists it: operation ids, OpenAPI tags, routers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.providers.api import ProviderApi

if TYPE_CHECKING:
    from fastapi import APIRouter

LIST_STOCK_ITEMS = "listStockItems"
CREATE_LONG_CODE_NUMBERS = "createLongCodeNumbers"
LIST_WORKSPACE_NUMBERS = "listWorkspaceNumbers"
GET_LONG_CODE_NUMBER = "getLongCodeNumber"

STOCK_ITEMS_TAG = "Bird: numbers stock items"
LONG_CODE_NUMBERS_TAG = "Bird: long code numbers"


def _routers() -> Sequence[APIRouter]:
    from app.providers.bird import long_code_numbers, stock_items

    return (stock_items.router, long_code_numbers.router)


API = ProviderApi(
    name="bird",
    operations=(
        LIST_STOCK_ITEMS,
        CREATE_LONG_CODE_NUMBERS,
        LIST_WORKSPACE_NUMBERS,
        GET_LONG_CODE_NUMBER,
    ),
    tags=(
        {"name": STOCK_ITEMS_TAG, "description": "Bird's Numbers API."},
        {
            "name": LONG_CODE_NUMBERS_TAG,
            "description": "Bird's Numbers API: buy stock items into a workspace as long "
            "code numbers, list and read them.",
        },
    ),
    routers=_routers,
)
