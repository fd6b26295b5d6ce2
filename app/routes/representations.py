"""How an inventory number reads in each API (built once, serialised once)."""

from __future__ import annotations

from typing import Any

from app.models import InventoryNumber
from app.query_params import CHANNEL_FEATURES


def stock_item_json(number: InventoryNumber) -> dict[str, Any]:
    """Bird's stock item."""
    return {
        "id": str(number.id),
        "countryCode": number.country_code,
        "type": number.number_type,
        "numberString": number.number_string,
        "capabilities": {
            "voice": {"inbound": number.voice_inbound, "outbound": number.voice_outbound},
            "sms": {"inbound": number.sms_inbound, "outbound": number.sms_outbound},
            "mms": {"inbound": number.mms_inbound, "outbound": number.mms_outbound},
        },
        "monthlyPrice": {
            "currencyCode": number.currency_code,
            "amount": number.monthly_amount,
            "exponent": number.price_exponent,
        },
    }


def available_number_json(number: InventoryNumber) -> dict[str, Any]:
    """Pingram's available number."""
    supported = {
        "sms": number.sms_inbound or number.sms_outbound,
        "voice": number.voice_inbound or number.voice_outbound,
        "mms": number.mms_inbound or number.mms_outbound,
    }
    return {
        "phoneNumber": number.number_string,
        "locality": number.locality,
        "administrativeArea": number.administrative_area,
        "phoneNumberType": number.number_type.replace("-", "_"),
        "features": [channel for channel in CHANNEL_FEATURES if supported[channel]],
    }


def inventory_number_json(number: InventoryNumber) -> dict[str, Any]:
    """The control API's view: the stock item plus what only the mock knows."""
    return {
        **stock_item_json(number),
        "locality": number.locality,
        "administrativeArea": number.administrative_area,
        "whatsapp": number.whatsapp,
        "status": number.status,
        "purchasedBy": number.purchased_by,
        "origin": number.origin,
    }
