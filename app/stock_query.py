"""The one filter model behind both providers' searches (a pure value)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.inventory.records import NumberType
from app.pagination import filter_digest


@dataclass(frozen=True, slots=True)
class StockQuery:
    """What to look for among numbers in stock; an empty field does not filter."""

    country_codes: tuple[str, ...] = ()
    national_prefix: str | None = None  # national significant number starts with it
    international_prefix: str | None = None  # E.164 starts with it, e.g. "+1415"
    types: tuple[NumberType, ...] = ()  # any of
    capabilities: tuple[str, ...] = ()  # capability columns that must all be true
    channels: tuple[str, ...] = ()  # voice/sms/mms supported in either direction, all of

    def digest(self) -> str:
        """Identifies the filters inside page tokens; ``limit`` is not a filter."""
        return filter_digest(asdict(self))
