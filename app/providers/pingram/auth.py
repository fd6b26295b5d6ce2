"""Pingram's callers: ``Authorization: Bearer <JWT>``; and the call every Pingram route
takes."""

from __future__ import annotations

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials

from app.web.parameters import ParameterCheck
from app.web.provider_call import (
    ProviderCall,
    ProviderOperation,
    bearer_scheme,
    explicitly_resolvable,
    provider_operation,
    token_caller,
)


def pingram_call(*checks: ParameterCheck) -> ProviderOperation:
    """A Pingram route's call: ``Authorization: Bearer``, then ``checks``."""
    resolve, resolve_caller = provider_operation(token_caller, *checks)

    async def pingram_operation(
        request: Request,
        _bearer_declared: HTTPAuthorizationCredentials | None = Security(bearer_scheme),  # noqa: B008
    ) -> ProviderCall:
        return await resolve(request)

    return explicitly_resolvable(ProviderOperation(pingram_operation, resolve, resolve_caller))
