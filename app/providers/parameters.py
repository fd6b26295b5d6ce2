"""Parsing and validating the providers' query parameters: pure functions, precise errors.

FastAPI checks types and ranges (``limit`` 1-99); these functions check what a type can't
say: list syntax, country codes, prefix forms, enumerations, and unknown or repeated names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import phonenumbers

from app.errors import InvalidParameter, MissingParameter
from app.generator.records import CHANNELS, NumberType
from app.web.parameters import did_you_mean

# Every ISO 3166-1 alpha-2 code that has a numbering plan (libphonenumber's region list).
KNOWN_COUNTRY_CODES = frozenset(phonenumbers.SUPPORTED_REGIONS)
_DIGITS = re.compile(r"[0-9]+")

# Bird's feature names → the inventory's capability columns; all must be true.
STOCK_FEATURES: dict[str, str] = {
    "voice-inbound": "voice_inbound",
    "voice-outbound": "voice_outbound",
    "sms-inbound": "sms_inbound",
    "sms-outbound": "sms_outbound",
    "mms-inbound": "mms_inbound",
    "mms-outbound": "mms_outbound",
    "whatsapp": "whatsapp",
}


def split_list(values: Iterable[str]) -> list[str]:
    """``["US,GB", "NL"]`` → ``["US", "GB", "NL"]``: repeated and comma-separated both work."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_country_code(value: str, parameter: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise InvalidParameter(
            f"{parameter} must be ISO 3166-1 alpha-2 country codes such as US or GB; got {value!r}",
            fix=f"send {parameter}=US (two upper-case letters)",
        )
    if value != value.upper():
        raise InvalidParameter(
            f"{parameter} must be upper case; got {value!r}",
            fix=f"send {parameter}={value.upper()}",
        )
    if value not in KNOWN_COUNTRY_CODES:
        raise InvalidParameter(
            f"{value!r} in {parameter} is not an ISO 3166-1 alpha-2 country with a numbering plan",
            fix="use a real country code such as US, GB, DE or NL",
        )
    return value


def parse_country_codes(values: Sequence[str], parameter: str = "countryCodes") -> tuple[str, ...]:
    items = split_list(values)
    if values and not items:
        raise InvalidParameter(
            f"{parameter} is empty", fix=f"send {parameter}=US, or leave it out for all countries"
        )
    return tuple(sorted({parse_country_code(item, parameter) for item in items}))


def parse_prefix(value: str, *, has_countries: bool) -> tuple[str | None, str | None]:
    """Bird's ``prefix``: ``"415"`` (needs countryCodes) or ``"+1415"``.

    Returns ``(national_prefix, international_prefix)``, one of them set.
    """
    if value.startswith("+"):
        digits = value[1:]
        if not _DIGITS.fullmatch(digits):
            raise InvalidParameter(
                f"prefix must be digits after the +; got {value!r}",
                fix="send an international prefix such as +1415, or an area code such as 415",
            )
        return None, "+" + digits
    if not _DIGITS.fullmatch(value):
        raise InvalidParameter(
            f"prefix must be digits (an area code such as 415) or + and digits (+1415); "
            f"got {value!r}",
            fix="remove spaces, dashes and parentheses from the prefix",
        )
    if not has_countries:
        raise MissingParameter(
            f"prefix={value} is an area code without a country code, so it needs countryCodes",
            fix=f"add countryCodes (e.g. countryCodes=US&prefix={value}), or send the prefix "
            "in international form with + and the country calling code (e.g. +1415)",
        )
    return value, None


def parse_area_code(value: str) -> str:
    if not _DIGITS.fullmatch(value):
        raise InvalidParameter(
            f"areaCode must be the digits of a national destination code such as 415 or 20; "
            f"got {value!r}",
            fix="send the area code digits only, without the country code, + or spaces",
        )
    return value


def parse_types(values: Sequence[str]) -> tuple[NumberType, ...]:
    allowed = {number_type.value: number_type for number_type in NumberType}
    parsed: set[NumberType] = set()
    for item in split_list(values):
        if item not in allowed:
            raise InvalidParameter(
                f"types has an unknown type {item!r}; the types are {', '.join(allowed)}",
                fix=did_you_mean(item, allowed, "types", default="send types=local,mobile"),
            )
        parsed.add(allowed[item])
    return tuple(sorted(parsed))


def parse_stock_features(values: Sequence[str]) -> tuple[str, ...]:
    """Bird's ``features`` → the capability columns that must all be true."""
    parsed: set[str] = set()
    for item in split_list(values):
        if item not in STOCK_FEATURES:
            raise InvalidParameter(
                f"features has an unknown feature {item!r}; the features are "
                f"{', '.join(STOCK_FEATURES)}",
                fix=did_you_mean(
                    item,
                    STOCK_FEATURES,
                    "features",
                    default="send features=sms-inbound,voice-outbound",
                ),
            )
        parsed.add(STOCK_FEATURES[item])
    return tuple(sorted(parsed))


def parse_channel_features(value: str | None) -> tuple[str, ...]:
    """Pingram's comma-separated ``features``: channels the number must all support."""
    if value is None:
        return ()
    items = split_list([value])
    if not items:
        raise InvalidParameter(
            "features is empty", fix="send features=sms, or leave it out for any features"
        )
    parsed: set[str] = set()
    for item in items:
        if item not in CHANNELS:
            raise InvalidParameter(
                f"features has an unknown feature {item!r}; the features are {', '.join(CHANNELS)}",
                fix=did_you_mean(item, CHANNELS, "features", default="send features=sms,voice"),
            )
        parsed.add(item)
    return tuple(sorted(parsed))
