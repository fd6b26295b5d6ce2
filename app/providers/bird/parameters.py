"""Parsing Bird's parameters beyond the stock-items search: booleans, workspace ids, the
long code number filters and the buy request's body. Pure functions, precise errors."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Query, Request

from app.auth.identifiers import DESCRIPTION as IDENTIFIER
from app.auth.identifiers import is_identifier
from app.errors import InvalidParameter, MissingParameter
from app.page_tokens import MAX_PAGE_TOKEN_LENGTH
from app.providers.parameters import split_list
from app.web.parameters import query_value

MAX_WORKSPACE_ID_LENGTH = 256
# For the OpenAPI document (parse_workspace_id checks it, with a precise message).
WORKSPACE_ID_PATTERN = r"^[^/\x00-\x1f\x7f]+$"
MAX_STOCK_ITEMS_PER_ORDER = 25
# 25 ids are about a kilobyte; anything far beyond is not a buy request.
MAX_BODY_BYTES = 16_384
# Booleans as Bird's OpenAPI serialises them (true/false), and as PHP's http_build_query
# does (1/0); any case.
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DIGITS = re.compile(r"[0-9]+")
_EXAMPLE_UUID = "123e4567-e89b-12d3-a456-426614174000"


# The paging parameters of Bird's lists (stock items, a workspace's numbers).
PageLimit = Annotated[
    int, Query(ge=1, le=99, description="Limits the number of results to return per page.")
]
PageToken = Annotated[
    str | None,
    Query(
        alias="pageToken",
        # Documented here, checked by the page-token codec (one place, one message).
        json_schema_extra={"maxLength": MAX_PAGE_TOKEN_LENGTH},
        description="Pagination token that keeps track of the current position in the list: "
        "the nextPageToken of the previous page, with the same filters (limit may change).",
    ),
]


def parse_boolean(value: str, parameter: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidParameter(
        f"{parameter} must be a boolean: true or false (1 or 0 also work); got {value!r}",
        fix=f"send {parameter}=true or {parameter}=false, or leave it out",
    )


def boolean_parameters(*names: str) -> Callable[[Request], None]:
    """A check of boolean query parameters, before FastAPI's own, for a precise message."""

    def check(request: Request) -> None:
        for name in names:
            value = query_value(request, name)
            if value is not None:
                parse_boolean(value, name)

    return check


def parse_workspace_id(value: str) -> str:
    """Any 1 to 256 characters (Bird's are uuids; this mock takes any id, like its
    organizations); a path segment never holds '/'."""
    if not is_identifier(value):
        raise InvalidParameter(
            f"workspaceId must be {IDENTIFIER}; got {len(value)} characters"
            + (" with control characters" if len(value) <= MAX_WORKSPACE_ID_LENGTH else ""),
            fix="use a uuid such as " + _EXAMPLE_UUID,
        )
    return value


def parse_long_code_number_id(value: str) -> uuid.UUID:
    if not _UUID.fullmatch(value):
        raise InvalidParameter(
            f"longCodeNumberId must be a uuid (the id or endpointId of a long code number); "
            f"got {value[:64]!r}",
            fix="use an id from GET /workspaces/{workspaceId}/numbers",
        )
    return uuid.UUID(value)


def parse_international_prefix(value: str, parameter: str = "prefix") -> str:
    """``+1415`` or ``1415``: the number's leading digits, country calling code first."""
    digits = value.removeprefix("+")
    if not _DIGITS.fullmatch(digits):
        raise InvalidParameter(
            f"{parameter} must be the leading digits of the number in international form, the "
            f"country calling code first (+1415 or 1415); got {value!r}",
            fix="send digits only, with an optional leading +, without spaces or dashes",
        )
    return "+" + digits


def parse_search_term(value: str) -> str:
    """Digits the number contains (a leading + anchors them to its start)."""
    digits = value.removeprefix("+")
    if not _DIGITS.fullmatch(digits):
        raise InvalidParameter(
            f"searchTerm must be digits the number contains (e.g. 555 or +1415); got {value!r}",
            fix="send digits only, without spaces, dashes or parentheses",
        )
    return value


def parse_stock_item_ids(body: bytes) -> tuple[uuid.UUID, ...]:
    """The body of the buy request: ``{"numberStockItemIds": [uuid, ...]}``, 1 to 25 distinct
    ids and nothing else."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidParameter(
            f"the request body is {len(body)} bytes; a buy request is at most {MAX_BODY_BYTES}",
            fix=f'send {{"numberStockItemIds": [...]}} with at most '
            f"{MAX_STOCK_ITEMS_PER_ORDER} ids",
        )
    try:
        document: Any = json.loads(body)
    except (ValueError, RecursionError) as exc:
        reason = "it is empty" if not body.strip() else f"{exc}"
        raise InvalidParameter(
            f"the request body is not valid JSON: {reason}",
            fix='send {"numberStockItemIds": ["<stock item id>", ...]} with '
            "Content-Type: application/json",
        ) from None
    if not isinstance(document, dict):
        raise InvalidParameter(
            f"the request body must be a JSON object; got {_json_type(document)}",
            fix='send {"numberStockItemIds": ["<stock item id>", ...]}',
        )
    unknown = sorted(set(document) - {"numberStockItemIds"})
    if unknown:
        raise InvalidParameter(
            f"the request body has an unknown property {unknown[0]!r}; it takes only "
            "numberStockItemIds",
            fix=f"remove {unknown[0]!r} from the body",
        )
    if "numberStockItemIds" not in document:
        raise MissingParameter(
            "the request body needs numberStockItemIds: the ids of the stock items to buy",
            fix='send {"numberStockItemIds": ["<stock item id>", ...]} with ids from '
            "GET /organizations/{organizationId}/numbers-stock-items",
        )
    ids = document["numberStockItemIds"]
    if not isinstance(ids, list):
        raise InvalidParameter(
            f"numberStockItemIds must be an array of stock item ids; got {_json_type(ids)}",
            fix='send "numberStockItemIds": ["<stock item id>"]',
        )
    if not 1 <= len(ids) <= MAX_STOCK_ITEMS_PER_ORDER:
        raise InvalidParameter(
            f"numberStockItemIds must hold 1 to {MAX_STOCK_ITEMS_PER_ORDER} ids; got {len(ids)}",
            fix=f"buy at most {MAX_STOCK_ITEMS_PER_ORDER} numbers per request"
            if ids
            else "add the id of a stock item to buy",
        )
    parsed: list[uuid.UUID] = []
    for index, item in enumerate(ids):
        if not isinstance(item, str) or not _UUID.fullmatch(item):
            shown = repr(item[:64]) if isinstance(item, str) else _json_type(item)
            raise InvalidParameter(
                f"numberStockItemIds[{index}] must be a stock item id (a uuid); got {shown}",
                fix="use the id of an item from GET "
                "/organizations/{organizationId}/numbers-stock-items",
            )
        item_id = uuid.UUID(item)
        if item_id in parsed:
            raise InvalidParameter(
                f"numberStockItemIds lists {item_id} twice (at {parsed.index(item_id)} and "
                f"{index}); a stock item can be bought once",
                fix="list each stock item id once",
            )
        parsed.append(item_id)
    return tuple(parsed)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# numbers-mock is one provider of numbers: providerIds matches its numbers with this id.
PROVIDER_ID = uuid.UUID("6e756d62-6572-4d6f-8b63-6b70726f7669")
NUMBER_STATUSES = ("active", "pending")


def parse_uuid(value: str, parameter: str, *, fix: str) -> uuid.UUID:
    if not _UUID.fullmatch(value):
        raise InvalidParameter(f"{parameter} must be a uuid; got {value[:64]!r}", fix=fix)
    return uuid.UUID(value)


def provider_ids_match(values: list[str]) -> bool:
    """Whether ``providerIds`` (repeated or comma-separated uuids) names numbers-mock's
    provider; absent: every provider."""
    ids = [
        parse_uuid(
            item,
            "providerIds",
            fix=f"send uuids; numbers-mock's numbers all have provider {PROVIDER_ID}",
        )
        for item in split_list(values)
    ]
    if values and not ids:
        raise InvalidParameter(
            "providerIds is empty", fix="send providerIds=<uuid>, or leave it out for all"
        )
    return not ids or PROVIDER_ID in ids


def parse_number_status(value: str) -> str:
    if value not in NUMBER_STATUSES:
        raise InvalidParameter(
            f"status must be one of {', '.join(NUMBER_STATUSES)} (a number's status here); "
            f"got {value[:64]!r}",
            fix="send status=active, status=pending, or leave it out",
        )
    return value


def parse_endpoint_id(value: str, parameter: str = "endpointId") -> uuid.UUID:
    return parse_uuid(
        value,
        parameter,
        fix="use the endpointId (equal to the id) of a number from GET "
        "/workspaces/{workspaceId}/numbers-long-code",
    )
