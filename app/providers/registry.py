"""Every provider API numbers-mock serves; the app, the journal, the control API and the CLI
read them from here.

Adding a provider API: its folder under ``app/providers/`` with an ``api.py`` declaring its
``ProviderApi``, and one line in ``PROVIDERS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.providers.api import ProviderApi
from app.providers.bird.api import API as BIRD
from app.providers.bird.api import (
    StockItem,
    StockItemCapabilities,
    StockItemPrice,
    stock_item_json,
    stock_items_query,
)
from app.providers.pingram.api import API as PINGRAM

if TYPE_CHECKING:
    from fastapi import APIRouter

__all__ = [
    "ANY_OPERATION",
    "OPENAPI_TAGS",
    "OPERATIONS",
    "PROVIDERS",
    "StockItem",
    "StockItemCapabilities",
    "StockItemPrice",
    "routers",
    "stock_item_json",
    "stock_items_query",
]

PROVIDERS: tuple[ProviderApi, ...] = (BIRD, PINGRAM)

OPERATIONS: tuple[str, ...] = tuple(
    operation for provider in PROVIDERS for operation in provider.operations
)
ANY_OPERATION = "*"  # a fault or rate limit on every provider operation
OPENAPI_TAGS: tuple[dict[str, str], ...] = tuple(
    tag for provider in PROVIDERS for tag in provider.tags
)


# The control API shows a number of the inventory as Bird's stock item (the fuller of the
# two providers' views: StockItem and its builder, stock_item_json) with what only the mock
# knows of it, and a scenario's soldOut step selects numbers as Bird's search does
# (stock_items_query): imported above from Bird's api.py, the one door into its folder.


def routers() -> list[APIRouter]:
    """The routers of every provider API, in the order the app mounts them: each provider's
    first router (its hot search: Bird's stock items, Pingram's available numbers) before
    the others. FastAPI tries routes in order, and every route tried before the match costs
    the request (Speed II: Pingram's search behind Bird's other routers cost ~17 µs)."""
    mounted = [provider.routers() for provider in PROVIDERS]
    return [routers[0] for routers in mounted] + [r for routers in mounted for r in routers[1:]]
