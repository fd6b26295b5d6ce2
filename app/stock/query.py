"""The one filter model behind both providers' searches, and the listing order (pure values)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache

import phonenumbers

from app.byte_budget import ByteBudgetCache
from app.errors import InvalidPageToken
from app.generator.records import CAPABILITY_BITS, CHANNEL_BITS, NumberType
from app.page_tokens import RESTART_FIX, filter_digest


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
        return _digest(self)

    def seek(self) -> StockSeek:
        """The same filters in the terms the inventory's index is built on."""
        countries: tuple[str, ...] | None = self.country_codes or None
        national_prefix = self.national_prefix
        if self.international_prefix is not None:
            matched, national_prefix = _split_international_prefix(self.international_prefix)
            countries = tuple(c for c in (countries or matched) if c in matched)
        return StockSeek(
            country_codes=countries,
            national_prefix=national_prefix or None,
            types=tuple(t.value for t in self.types) or None,
            required_mask=sum(CAPABILITY_BITS[name] for name in set(self.capabilities)),
            channel_masks=tuple(CHANNEL_BITS[channel] for channel in self.channels),
        )


@dataclass(frozen=True, slots=True)
class StockSeek:
    """Filters as index seeks: countries, a national-number range, types and capability bits.

    ``None`` does not filter; an empty ``country_codes`` matches nothing (an international
    prefix of no country in the list).
    """

    country_codes: tuple[str, ...] | None
    national_prefix: str | None
    types: tuple[str, ...] | None
    required_mask: int  # every one of these capability bits
    channel_masks: tuple[int, ...]  # at least one bit of each

    def national_range(self) -> tuple[str, str | None]:
        """``[low, high)`` of national numbers starting with the prefix (digits only)."""
        prefix = self.national_prefix or ""
        return prefix, _next_digit_string(prefix)


@dataclass(frozen=True, slots=True, order=True)
class StockPosition:
    """A number's place in the listing order: country, type, capability set, national number.

    The national number orders numbers within a country like E.164 does (one calling code per
    country). Page tokens carry the position of the next page's first item.
    """

    country_code: str
    number_type: str
    capability_mask: int
    national_number: str

    def to_parts(self) -> tuple[str, ...]:
        return (
            self.country_code,
            self.number_type,
            str(self.capability_mask),
            self.national_number,
        )

    @classmethod
    def from_parts(cls, parts: Sequence[str]) -> StockPosition:
        """Read a page token's key; keys of an older numbers-mock are refused, not guessed."""
        if len(parts) != 4 or not parts[2].isdigit():
            raise InvalidPageToken(
                "this pageToken was issued by an older version of numbers-mock, whose "
                "listing order differs",
                fix=RESTART_FIX,
            )
        return cls(parts[0], parts[1], int(parts[2]), parts[3])


@lru_cache(maxsize=256)  # prefixes of at most 250 digits: well under a MiB in all
def _split_international_prefix(prefix: str) -> tuple[frozenset[str], str]:
    """``"+1415"`` → (the countries of calling code 1, national prefix ``"415"``).

    Calling codes are prefix-free, so the national part is the same for every match.
    """
    digits = prefix.removeprefix("+")
    matched: set[str] = set()
    national = ""
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        calling_code = str(code)
        if digits.startswith(calling_code):
            matched.update(regions)
            national = digits[len(calling_code) :]
        elif calling_code.startswith(digits):
            matched.update(regions)
    return frozenset(matched & phonenumbers.SUPPORTED_REGIONS), national


def _next_digit_string(prefix: str) -> str | None:
    """The smallest digit string after every string that starts with ``prefix``.

    "415" → "416", "419" → "42", "99" → None (no upper bound).
    """
    stripped = prefix.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def _digest(query: StockQuery) -> str:
    # Every page of a listing asks again; the same filters always give the same digest.
    digest = _DIGESTS.get(query)
    if digest is None:
        filters = {name: getattr(query, name) for name in _FILTER_FIELDS}
        digest = filter_digest(filters)
        cost = _DIGEST_OVERHEAD + sum(len(str(value)) for value in filters.values())
        _DIGESTS.put(query, digest, cost)
    return digest


_FILTER_FIELDS = tuple(field.name for field in fields(StockQuery))


# The digests of the filters asked last: 1 MiB of them (a query costs its fields' text and
# the objects around them, a few hundred bytes for the usual filters).
_DIGESTS: ByteBudgetCache[StockQuery, str] = ByteBudgetCache(1024 * 1024)
_DIGEST_OVERHEAD = 400
