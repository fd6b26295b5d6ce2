"""What the rest of numbers-mock knows of a provider API: one record per provider folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import APIRouter


@dataclass(frozen=True, slots=True)
class ProviderApi:
    """A provider API: its operation ids (faults, rate limits, the journal, the control API
    and the CLI name operations by them), its OpenAPI tags, and its routers.

    ``routers`` is a function so that reading the operations (the CLI does, on every call)
    does not import the routes and FastAPI with them.
    """

    name: str
    operations: tuple[str, ...]
    tags: tuple[dict[str, str], ...]
    routers: Callable[[], Sequence[APIRouter]]
