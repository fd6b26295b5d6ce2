"""Bird's errors: its workspaces, stock items, long code numbers and subscriptions.

Each class's docstring is its line in the OpenAPI error catalogue
(``app.errors.error_catalogue``). A refused access key is ``app.errors.InvalidAccessKey``:
the codec that raises it is a leaf (``app.auth.access_keys``).
"""

from __future__ import annotations

from app.errors import ApiError


class WorkspaceForbidden(ApiError):
    """Bird: the workspace belongs to another organization, or the access key or token names
    other workspaces."""

    status = 403
    code = "workspace_forbidden"


class NumberStockItemNotFound(ApiError):
    """Bird: a numberStockItemIds entry is no stock item of the inventory (nothing was
    bought)."""

    status = 404
    code = "number_stock_item_not_found"


class NumberStockItemUnavailable(ApiError):
    """Bird: a numberStockItemIds entry is no longer in stock: bought, held after a release,
    or removed (nothing was bought)."""

    status = 409
    code = "number_stock_item_unavailable"


class LongCodeNumberNotFound(ApiError):
    """Bird: the workspace has no active long code number with this id."""

    status = 404
    code = "long_code_number_not_found"


class EndpointNotFound(ApiError):
    """Bird: the workspace has no endpoint (long code number) with this id, or it left the
    workspace after its subscription ran out."""

    status = 404
    code = "endpoint_not_found"


class SubscriptionNotFound(ApiError):
    """Bird: the endpoint has no subscription of this name (a long code number has one:
    main)."""

    status = 404
    code = "subscription_not_found"


class SubscriptionAlreadyCancelled(ApiError):
    """Bird: the number's subscription was cancelled already; it leaves the workspace at its
    deprovisionAt."""

    status = 409
    code = "subscription_already_cancelled"
