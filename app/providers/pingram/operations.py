"""Pingram's operation ids and OpenAPI tags: what its routes, the registry, the journal and the
control API name its operations by."""

from __future__ import annotations

# The lifecycle's ids are the ones Pingram's own OpenAPI document gives them.
SEARCH_AVAILABLE_NUMBERS = "searchAvailableNumbers"
ORDER_NUMBER = "numbersOrderNumber"
LIST_NUMBERS = "numbersList"
RELEASE_NUMBER = "numbersReleaseNumber"
LIST_RELEASED_NUMBERS = "numbersListReleased"

AVAILABLE_NUMBERS_TAG = "Pingram: available numbers"
NUMBERS_TAG = "Pingram: numbers"
