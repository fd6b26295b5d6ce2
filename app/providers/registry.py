"""The routers of every provider API, which the app mounts.

Adding a provider API: its folder under ``app/providers/``, its operation ids in
``app.providers.operations``, and its routers here.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.providers.bird import long_code_numbers, stock_items
from app.providers.pingram import available_numbers, numbers

ROUTERS: tuple[APIRouter, ...] = (
    stock_items.router,
    long_code_numbers.router,
    available_numbers.router,
    numbers.router,
)
