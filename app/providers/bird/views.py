"""How Bird's API presents stock items and long code numbers (``WorkspaceLongCodeNumber``)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from app.db.models import InventoryNumber
from app.generator.records import CAPABILITY_BITS
from app.lifecycle.mock_clock import as_utc, iso_millis
from app.lifecycle.ownership import derived_id
from app.providers.bird import back_order
from app.providers.bird.repository import LongCodeNumber
from app.stock.numbers import StockNumber
from app.stock.reader import StockRow

CHANNELS = ("sms", "voice", "mms")


def stock_item_json(number: StockNumber) -> dict[str, Any]:
    """Bird's stock item (backOrderStockId only when a back order is required).

    Built for every item of every page (nothing is cached: a walk through a million numbers
    would otherwise fill memory), so it does little: the capabilities are one of a few
    shared objects, the id is spelled from the row's own digits, and the back-order draw (a
    hash) runs only in the countries that have back orders.
    """
    item: dict[str, Any] = {
        "id": _id_text(number),
        "countryCode": number.country_code,
        "type": number.number_type,
        "numberString": number.number_string,
        "capabilities": _capabilities(number.capability_mask),
        "monthlyPrice": {
            "currencyCode": number.currency_code,
            "amount": number.monthly_amount,
            "exponent": number.price_exponent,
        },
        "backOrderRequired": False,
    }
    share = back_order.country_shares().get(number.country_code)
    if share and back_order.back_order_required(number.id, share):
        item["backOrderRequired"] = True
        item["backOrderStockId"] = str(back_order.back_order_stock_id(number.id))
    return item


def _id_text(number: StockNumber) -> str:
    """The id as Bird spells it; a SQLite row's 32 hex digits hyphenated without a UUID."""
    raw = number.raw_id if isinstance(number, StockRow) else None
    if isinstance(raw, str) and len(raw) == 32:
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return str(number.id)


@functools.cache  # one per capability set, a few dozen; shared, so never changed
def _capabilities(mask: int) -> dict[str, dict[str, bool]]:
    def direction(channel: str) -> dict[str, bool]:
        return {
            "inbound": bool(mask & CAPABILITY_BITS[f"{channel}_inbound"]),
            "outbound": bool(mask & CAPABILITY_BITS[f"{channel}_outbound"]),
        }

    return {"voice": direction("voice"), "sms": direction("sms"), "mms": direction("mms")}


def long_code_number_json(bought: LongCodeNumber, now: datetime) -> dict[str, Any]:
    """A workspace's long code number; its order's status as of ``now`` (mock clock)."""
    owned, number = bought.owned, bought.number
    lcn_id = str(owned.long_code_number_id)
    created_at = as_utc(owned.created_at)
    completes_at = (
        back_order.order_completes_at(created_at)
        if back_order.needs_back_order(number.id, number.country_code)
        else created_at
    )
    pending = as_utc(now) < completes_at
    directions = _directions(number)
    return {
        "id": lcn_id,
        "endpointId": lcn_id,
        "numberString": number.number_string,
        "countryCode": number.country_code,
        "type": number.number_type,
        "capabilities": {
            channel: {"inbound": inbound, "outbound": outbound}
            for channel, (inbound, outbound) in directions.items()
        },
        "createdAt": iso_millis(created_at),
        "updatedAt": iso_millis(owned.updated_at),
        "order": {
            "id": str(owned.order_id),
            "countryCode": number.country_code,
            "type": number.number_type,
            "capabilities": [channel for channel in CHANNELS if any(directions[channel])],
            "status": "pending" if pending else "completed",
            "createdAt": iso_millis(created_at),
            "updatedAt": iso_millis(created_at if pending else completes_at),
        },
        "endpoint": {
            "id": lcn_id,
            "type": "long-code-number",
            "instanceId": str(derived_id("endpoint-instance", lcn_id)),
            "name": number.number_string,
            "capabilities": [
                {
                    "name": channel,
                    "inbound": _endpoint_direction(directions[channel][0], pending),
                    "outbound": _endpoint_direction(directions[channel][1], pending),
                }
                for channel in CHANNELS
                if any(directions[channel])
            ],
        },
    }


def _directions(number: InventoryNumber) -> dict[str, tuple[bool, bool]]:
    """Per channel, in Bird's capabilities order: (inbound, outbound)."""
    return {
        "voice": (number.voice_inbound, number.voice_outbound),
        "sms": (number.sms_inbound, number.sms_outbound),
        "mms": (number.mms_inbound, number.mms_outbound),
    }


def _endpoint_direction(supported: bool, pending: bool) -> dict[str, Any]:
    """Active once the number is delivered (its order completed), for what it supports."""
    return {"status": "active" if supported and not pending else "inactive", "issues": []}
