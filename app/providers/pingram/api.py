"""Pingram's Numbers API as the registry lists it: operation ids, OpenAPI tags, routers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.providers.api import ProviderApi
from app.providers.pingram.operations import (
    AVAILABLE_NUMBERS_TAG,
    LIST_NUMBERS,
    LIST_RELEASED_NUMBERS,
    NUMBERS_TAG,
    ORDER_NUMBER,
    RELEASE_NUMBER,
    SEARCH_AVAILABLE_NUMBERS,
)

if TYPE_CHECKING:
    from fastapi import APIRouter


def _routers() -> Sequence[APIRouter]:
    # Imported when the app mounts them: the CLI and the control API read the operation ids
    # without loading the routes (and FastAPI with them).
    from app.providers.pingram import available_numbers, phone_numbers

    return (available_numbers.router, phone_numbers.router)


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
