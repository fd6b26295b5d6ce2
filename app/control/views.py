"""How an inventory number reads in each API (built once, serialised once)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.db.models import (
    Fault,
    InventoryNumber,
    JournalEntry,
    OwnedNumber,
    OwnerProvider,
    RateLimit,
)
from app.lifecycle.mock_clock import ClockReading, as_utc, iso_millis, real_now
from app.lifecycle.ownership import RELEASE_HOLD
from app.providers.bird.views import stock_item_json


def inventory_number_json(number: InventoryNumber, owned: OwnedNumber | None) -> dict[str, Any]:
    """The control API's view: the stock item plus what only the mock knows."""
    return {
        **stock_item_json(number),
        "locality": number.locality,
        "administrativeArea": number.administrative_area,
        "whatsapp": number.whatsapp,
        "status": number.status,
        "purchasedBy": number.purchased_by,
        "origin": number.origin,
        "owner": None if owned is None else number_owner_json(owned),
    }


def number_owner_json(owned: OwnedNumber) -> dict[str, Any]:
    released_at = as_utc(owned.released_at) if owned.released_at is not None else None
    is_bird = owned.provider == OwnerProvider.BIRD.value
    return {
        "provider": owned.provider,
        "organizationId": owned.owner_id,
        "workspaceId": owned.workspace_id,
        "orderId": str(owned.order_id),
        "longCodeNumberId": str(owned.long_code_number_id) if is_bird else None,
        "createdAt": iso_millis(owned.created_at),
        "updatedAt": iso_millis(owned.updated_at),
        "releasedAt": None if released_at is None else iso_millis(released_at),
        "holdEndsAt": None if released_at is None else iso_millis(released_at + RELEASE_HOLD),
    }


def clock_json(reading: ClockReading) -> dict[str, Any]:
    return {
        "now": iso_millis(reading.now),
        "realNow": iso_millis(real_now()),
        "offsetSeconds": round(reading.offset.total_seconds(), 3),
        "frozen": reading.frozen,
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


def journal_entry_detail_json(entry: JournalEntry) -> dict[str, Any]:
    return {
        **journal_entry_json(entry),
        "request": {
            "headers": json.loads(entry.request_headers or "{}"),
            "body": entry.request_body,
        },
        "response": {
            "headers": json.loads(entry.response_headers or "{}"),
            "body": entry.response_body,
        },
    }


def iso_utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
