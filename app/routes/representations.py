"""How an inventory number reads in each API (built once, serialised once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.models import Fault, InventoryNumber, JournalEntry, RateLimit
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


def fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "id": fault.id,
        "operation": fault.operation,
        "organizationId": fault.organization_id,
        "status": fault.status,
        "code": fault.code,
        "message": fault.message,
        "fix": fault.fix,
        "provider": fault.provider,
        "providerCode": fault.provider_code,
        "delayMs": fault.delay_ms,
        "times": fault.times_remaining,
        "probability": fault.probability,
        "fired": fault.fired,
        "createdAt": iso_utc(fault.created_at),
    }


def rate_limit_json(rate_limit: RateLimit) -> dict[str, Any]:
    return {
        "id": rate_limit.id,
        "operation": rate_limit.operation,
        "organizationId": rate_limit.organization_id,
        "limit": rate_limit.limit,
        "windowSeconds": rate_limit.window_seconds,
        "createdAt": iso_utc(rate_limit.created_at),
    }


def journal_entry_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        "trackingId": entry.tracking_id,
        "operation": entry.operation,
        "method": entry.method,
        "path": entry.path,
        "query": entry.query,
        "status": entry.status,
        "durationMs": entry.duration_ms,
        "receivedAt": iso_utc(entry.received_at),
        "organizationId": entry.organization_id,
        "sub": entry.sub,
    }


def iso_utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
