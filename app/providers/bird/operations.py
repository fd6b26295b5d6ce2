"""Bird's operation ids and OpenAPI tags: what its routes, the registry, the journal and the
control API name its operations by."""

from __future__ import annotations

LIST_STOCK_ITEMS = "listStockItems"
LIST_WORKSPACE_STOCK_ITEMS = "listWorkspaceStockItems"
LIST_AVAILABLE_NUMBERS = "listAvailableNumbers"
CREATE_LONG_CODE_NUMBERS = "createLongCodeNumbers"
LIST_WORKSPACE_LONG_CODE_NUMBERS = "listWorkspaceLongCodeNumbers"
LIST_WORKSPACE_NUMBERS = "listWorkspaceNumbers"
GET_LONG_CODE_NUMBER = "getLongCodeNumber"
LIST_ENDPOINT_SUBSCRIPTIONS = "listEndpointSubscriptions"
GET_ENDPOINT_SUBSCRIPTION = "getEndpointSubscription"
CANCEL_NUMBER_SUBSCRIPTION = "cancelNumberSubscription"

STOCK_ITEMS_TAG = "Bird: numbers stock items"
LONG_CODE_NUMBERS_TAG = "Bird: long code numbers"
SUBSCRIPTIONS_TAG = "Bird: endpoint subscriptions"
