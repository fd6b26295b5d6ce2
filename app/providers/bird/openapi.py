"""The error responses of Bird's operations, as their OpenAPI document states them."""

from __future__ import annotations

import copy
from typing import Any

from app.web.openapi import error_responses

_DESCRIPTIONS = {
    401: "Unauthorized - missing or refused access key or bearer token (see WWW-Authenticate)",
    403: "Forbidden - another organization's path or workspace, or a workspace the access key "
    "or token does not name",
}
_CHALLENGE = (
    'For a refused access key: AccessKey realm="numbers-mock", error_description="..."; for a '
    'refused bearer token: Bearer realm="numbers-mock", error="invalid_token", '
    'error_description="..."; with neither: both challenges.'
)


def bird_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``error_responses`` with the 401 and 403 of Bird's two schemes and workspaces."""
    responses = copy.deepcopy(error_responses(*statuses))
    for status, description in _DESCRIPTIONS.items():
        if status in responses:
            responses[status]["description"] = description
    if 401 in responses:
        responses[401]["headers"]["WWW-Authenticate"]["description"] = _CHALLENGE
    return responses
