"""Plain records shared by the generator, the seeder and the repository.

They carry no framework or ORM types so the generator stays a pure function of its inputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, get_args


class NumberType(StrEnum):
    """Bird's number types; Pingram spells toll-free as ``toll_free``."""

    LOCAL = "local"
    NATIONAL = "national"
    MOBILE = "mobile"
    TOLL_FREE = "toll-free"


# One bit per capability, in the order of ``Capabilities``' fields. The inventory stores the
# mask next to the booleans so one index can seek every capability combination.
CAPABILITY_BITS: dict[str, int] = {
    "voice_inbound": 1,
    "voice_outbound": 2,
    "sms_inbound": 4,
    "sms_outbound": 8,
    "mms_inbound": 16,
    "mms_outbound": 32,
    "whatsapp": 64,
}
# The channels a number may support (Bird's capability names, Pingram's features), in the
# order both providers list them.
Channel = Literal["sms", "voice", "mms"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
# A channel is supported when either of its directions is.
CHANNEL_BITS: dict[str, int] = {
    "voice": CAPABILITY_BITS["voice_inbound"] | CAPABILITY_BITS["voice_outbound"],
    "sms": CAPABILITY_BITS["sms_inbound"] | CAPABILITY_BITS["sms_outbound"],
    "mms": CAPABILITY_BITS["mms_inbound"] | CAPABILITY_BITS["mms_outbound"],
}


def supported_channels(mask: int) -> list[Channel]:
    """The channels of a capability mask (``CAPABILITY_BITS``), in ``CHANNELS`` order."""
    return [channel for channel in CHANNELS if mask & CHANNEL_BITS[channel]]


@dataclass(frozen=True, slots=True)
class Capabilities:
    voice_inbound: bool
    voice_outbound: bool
    sms_inbound: bool
    sms_outbound: bool
    mms_inbound: bool
    mms_outbound: bool
    whatsapp: bool

    @property
    def mask(self) -> int:
        """The capabilities as a bit set (``CAPABILITY_BITS``)."""
        # Spelled out: the seed computes it a million times.
        return (
            self.voice_inbound * 1
            | self.voice_outbound * 2
            | self.sms_inbound * 4
            | self.sms_outbound * 8
            | self.mms_inbound * 16
            | self.mms_outbound * 32
            | self.whatsapp * 64
        )


@dataclass(frozen=True, slots=True)
class MonthlyPrice:
    """A price in minor units: ``amount * 10**exponent`` of ``currency_code``."""

    currency_code: str
    amount: int
    exponent: int


@dataclass(frozen=True, slots=True)
class GeneratedNumber:
    id: uuid.UUID
    country_code: str  # ISO 3166-1 alpha-2, upper case
    number_type: NumberType
    number_string: str  # E.164, e.g. "+14155550123"
    national_number: str  # national significant number, e.g. "4155550123" (keeps IT's leading 0)
    locality: str | None  # e.g. "San Francisco"
    administrative_area: str | None  # e.g. "CA"; None where the geocoder data gives none
    capabilities: Capabilities
    monthly_price: MonthlyPrice
