"""The provider APIs numbers-mock fakes, one folder each, and the registry of their operations.

Every other part reads the registry: the app mounts ``ROUTERS``, the journal records
``OPERATIONS``, the control API's faults and rate limits accept them.
"""

from __future__ import annotations

from fastapi import APIRouter

from app.providers.bird import stock_items
from app.providers.pingram import available_numbers

# Adding a provider API: its folder, and its routers here.
ROUTERS: tuple[APIRouter, ...] = (stock_items.router, available_numbers.router)
