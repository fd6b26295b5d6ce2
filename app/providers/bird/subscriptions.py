"""Bird's endpoint subscriptions and the cancellation of a number's subscription:
``GET /workspaces/{workspaceId}/endpoints/{endpointId}/subscriptions[/{subscriptionName}]``
and ``POST /workspaces/{workspaceId}/numbers/{numberId}/cancel-subscription``.

A long code number is an endpoint with one subscription, ``main``: its monthly price from
its purchase on, renewed every month (mock clock) until cancelled. A cancelled number stays
in its workspace until the end of the period already paid (its ``deprovisionAt``), then
goes back to stock for both providers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app.providers.bird import parameters, views, workspace_numbers
from app.providers.bird.auth import bird_call
from app.providers.bird.long_code_numbers import (
    WorkspaceId,
    checked_workspace,
)
from app.providers.bird.openapi import bird_error_responses
from app.providers.bird.operations import (
    CANCEL_NUMBER_SUBSCRIPTION,
    GET_ENDPOINT_SUBSCRIPTION,
    LIST_ENDPOINT_SUBSCRIPTIONS,
    SUBSCRIPTIONS_TAG,
)
from app.providers.bird.schemas import EndpointSubscription, EndpointSubscriptions, UpdatedNumber
from app.web.openapi import success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

router = APIRouter(tags=[SUBSCRIPTIONS_TAG])

_CALL = Annotated[ProviderCall, Depends(bird_call(known_parameters(())).dependency)]
EndpointId = Annotated[
    str,
    Path(
        alias="endpointId",
        description="The endpoint's id: for a long code number, its id (they are equal).",
        json_schema_extra={"format": "uuid"},
    ),
]
_RESPONSES = bird_error_responses(400, 401, 402, 403, 404, 429, 500, 502, 503)


@router.get(
    "/workspaces/{workspaceId}/endpoints/{endpointId}/subscriptions",
    operation_id=LIST_ENDPOINT_SUBSCRIPTIONS,
    summary="List Workspace Endpoint Subscriptions",
    response_model=EndpointSubscriptions,
    responses={200: success_headers(), **_RESPONSES},
)
async def list_endpoint_subscriptions(
    call: _CALL, workspace_id: WorkspaceId, endpoint_id: EndpointId
) -> ProviderJSONResponse:
    """The endpoint's subscriptions: a long code number's one, main; 404 for an endpoint the
    workspace does not have (or no longer has: past its deprovisionAt)."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    endpoint = parameters.parse_endpoint_id(endpoint_id)
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.endpoint_subscriptions(
            session, organization_id=organization_id, workspace_id=workspace, endpoint_id=endpoint
        )
    )
    found = scripted.result
    return scripted.respond(
        {"results": [views.subscription_json(item, found.now) for item in found.items]}
    )


@router.get(
    "/workspaces/{workspaceId}/endpoints/{endpointId}/subscriptions/{subscriptionName}",
    operation_id=GET_ENDPOINT_SUBSCRIPTION,
    summary="Get Workspace Endpoint Subscription",
    response_model=EndpointSubscription,
    responses={200: success_headers(), **_RESPONSES},
)
async def get_endpoint_subscription(
    call: _CALL,
    workspace_id: WorkspaceId,
    endpoint_id: EndpointId,
    subscription_name: Annotated[
        str,
        Path(
            alias="subscriptionName",
            description="main for a long code number (short codes and alphanumerics, not "
            "served here, name theirs by destination country).",
            examples=["main"],
        ),
    ],
) -> ProviderJSONResponse:
    """One subscription of the endpoint; 404 for another name than main."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    endpoint = parameters.parse_endpoint_id(endpoint_id)
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.endpoint_subscriptions(
            session,
            organization_id=organization_id,
            workspace_id=workspace,
            endpoint_id=endpoint,
            name=subscription_name,
        )
    )
    found = scripted.result
    return scripted.respond(views.subscription_json(found.items[0], found.now))


@router.post(
    "/workspaces/{workspaceId}/numbers/{numberId}/cancel-subscription",
    operation_id=CANCEL_NUMBER_SUBSCRIPTION,
    summary="Cancel Number Subscription",
    deprecated=True,
    response_model=UpdatedNumber,
    responses={
        200: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 404, 409, 429, 500, 502, 503),
    },
)
async def cancel_number_subscription(
    call: _CALL,
    workspace_id: WorkspaceId,
    number_id: Annotated[
        str,
        Path(
            alias="numberId",
            description="The long code number's id, or its endpointId (they are equal).",
            json_schema_extra={"format": "uuid"},
        ),
    ],
) -> ProviderJSONResponse:
    """Cancels the number's main subscription (Bird marks this deprecated and still serves
    it): the number stays until the end of the month already paid, its deprovisionAt (mock
    clock), then leaves the workspace and is back in stock for both providers. 409 when it
    was cancelled already. Takes no body."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    number = parameters.parse_endpoint_id(number_id, "numberId")
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.cancel_subscription(
            session, organization_id=organization_id, workspace_id=workspace, number_id=number
        )
    )
    cancelled = scripted.result
    return scripted.respond(views.updated_number_json(cancelled.items[0], cancelled.now))
