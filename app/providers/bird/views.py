"""How Bird's API presents stock items and long code numbers (``WorkspaceLongCodeNumber``)."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

import orjson

from app.db.models import InventoryNumber
from app.generator.records import CAPABILITY_BITS
from app.lifecycle.mock_clock import as_utc, iso_millis
from app.lifecycle.ownership import derived_id
from app.providers.bird import back_order
from app.providers.bird.repository import LongCodeNumber
from app.stock.numbers import StockNumber

CHANNELS = ("sms", "voice", "mms")


def stock_item_json(number: StockNumber) -> dict[str, Any]:
    """Bird's stock item (backOrderStockId only when a back order is required)."""
    return _stock_item(*_stock_item_key(number))


def stock_item_fragment(number: StockNumber) -> orjson.Fragment:
    """The same stock item as encoded JSON, for a page's answer.

    Encoded once per number and kept: a stock item never changes (its status is not part of
    it) and a page is ten of them on every request. Kept as bytes, not dicts, the cache adds
    no objects for the garbage collector to walk.
    """
    return _stock_item_fragment(*_stock_item_key(number))


def _stock_item_key(number: StockNumber) -> tuple[Any, ...]:
    return (
        number.id,
        number.country_code,
        number.number_type,
        number.number_string,
        number.capability_mask,
        number.currency_code,
        number.monthly_amount,
        number.price_exponent,
    )


@functools.lru_cache(maxsize=65_536)
def _stock_item_fragment(*key: Any) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(_stock_item(*key)))


def _stock_item(
    number_id: uuid.UUID,
    country_code: str,
    number_type: str,
    number_string: str,
    capability_mask: int,
    currency_code: str,
    monthly_amount: int,
    price_exponent: int,
) -> dict[str, Any]:
    def direction(inbound: str, outbound: str) -> dict[str, bool]:
        return {
            "inbound": bool(capability_mask & CAPABILITY_BITS[inbound]),
            "outbound": bool(capability_mask & CAPABILITY_BITS[outbound]),
        }

    item: dict[str, Any] = {
        "id": str(number_id),
        "countryCode": country_code,
        "type": number_type,
        "numberString": number_string,
        "capabilities": {
            "voice": direction("voice_inbound", "voice_outbound"),
            "sms": direction("sms_inbound", "sms_outbound"),
            "mms": direction("mms_inbound", "mms_outbound"),
        },
        "monthlyPrice": {
            "currencyCode": currency_code,
            "amount": monthly_amount,
            "exponent": price_exponent,
        },
        "backOrderRequired": False,
    }
    if back_order.needs_back_order(number_id, country_code):
        item["backOrderRequired"] = True
        item["backOrderStockId"] = str(back_order.back_order_stock_id(number_id))
    return item


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
