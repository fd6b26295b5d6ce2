"""The operation ids of every provider operation (a leaf: no routes imported).

They name an operation in faults, rate limits, the journal and the OpenAPI document.
"""

from __future__ import annotations

# Bird's Numbers API.
LIST_STOCK_ITEMS = "listStockItems"
CREATE_LONG_CODE_NUMBERS = "createLongCodeNumbers"
LIST_WORKSPACE_NUMBERS = "listWorkspaceNumbers"
GET_LONG_CODE_NUMBER = "getLongCodeNumber"
BIRD_OPERATIONS = (
    LIST_STOCK_ITEMS,
    CREATE_LONG_CODE_NUMBERS,
    LIST_WORKSPACE_NUMBERS,
    GET_LONG_CODE_NUMBER,
)

# Pingram's Numbers API (the new ones named as Pingram's own OpenAPI names them).
SEARCH_AVAILABLE_NUMBERS = "searchAvailableNumbers"
ORDER_NUMBER = "numbersOrderNumber"
LIST_NUMBERS = "numbersList"
RELEASE_NUMBER = "numbersReleaseNumber"
LIST_RELEASED_NUMBERS = "numbersListReleased"
PINGRAM_OPERATIONS = (
    SEARCH_AVAILABLE_NUMBERS,
    ORDER_NUMBER,
    LIST_NUMBERS,
    RELEASE_NUMBER,
    LIST_RELEASED_NUMBERS,
)

OPERATIONS = BIRD_OPERATIONS + PINGRAM_OPERATIONS
ANY_OPERATION = "*"
