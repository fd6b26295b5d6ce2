"""Bird's callers: ``Authorization: AccessKey <key>`` (Bird's own scheme) or a Bearer JWT,
acting for the organization in the path; and the call every Bird route takes."""

from __future__ import annotations

import hashlib

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.http import HTTPBase

from app.auth.access_keys import access_key
from app.auth.tokens import Principal
from app.errors import InvalidToken, OrganizationMismatch, bearer_or_access_key_challenge
from app.web.context import AppContext
from app.web.journal import note_caller
from app.web.parameters import ParameterCheck
from app.web.provider_call import (
    ProviderCall,
    ProviderOperation,
    bearer_scheme,
    explicitly_resolvable,
    provider_operation,
)

# Bird's own scheme (its OpenAPI: type http, scheme AccessKey); checked by bird_caller.
_access_key = HTTPBase(
    scheme="AccessKey",
    scheme_name="AccessKey",
    auto_error=False,
    description="Bird's `Authorization: AccessKey <key>`: a key minted by this server "
    "(`numbers-mock token --access-key --org <organizationId> [--workspace <workspaceId> ...]`), "
    "sealed with NUMBERS_MOCK_JWT_SECRET; it acts for its organization, in the workspaces it "
    "names (any of the organization's when it names none).",
)
_BIRD_HINT = (
    "mint an access key with `numbers-mock token --access-key --org <organizationId>` or a "
    "token with `numbers-mock token --org <organizationId>`"
)


def bird_caller(request: Request, context: AppContext) -> Principal:
    authorization = request.headers.getlist("authorization")
    principal = _bird_caller(context, authorization)
    note_caller(request.scope, principal.org, principal.sub)
    organization_id = request.path_params.get("organizationId")
    if organization_id is not None and principal.org != organization_id:
        if _is_access_key(authorization):
            raise OrganizationMismatch(
                f"the access key is for organization {principal.org!r}, not {organization_id!r}",
                fix=f"call /organizations/{principal.org}/... or mint a key with "
                f"`numbers-mock token --access-key --org {organization_id}`",
            )
        raise OrganizationMismatch(
            f"the token is for organization {principal.org!r}, not {organization_id!r}",
            fix=f"call /organizations/{principal.org}/... or mint a token with "
            f"`numbers-mock token --org {organization_id}`",
        )
    return principal


def _bird_caller(context: AppContext, authorization: list[str]) -> Principal:
    if len(authorization) != 1:
        message = (
            "the request has no Authorization header"
            if not authorization
            else f"the request has {len(authorization)} Authorization headers; send exactly one"
        )
        raise InvalidToken(
            message,
            fix=f"send one `Authorization: AccessKey <key>` or `Authorization: Bearer <token>` "
            f"header; {_BIRD_HINT}",
            headers={"WWW-Authenticate": bearer_or_access_key_challenge(message)},
        )
    scheme = authorization[0].strip().partition(" ")[0].lower()
    if scheme == "bearer":
        return context.verifier.verify(authorization, require_org=True)
    if scheme == "accesskey":
        key = access_key(authorization[0])
        holder = context.access_keys.open(key)
        return Principal(
            # Names the key in the journal without storing it.
            sub="access-key:" + hashlib.sha256(key.encode()).hexdigest()[:16],
            org=holder.organization_id,
            claims={},
            workspaces=holder.workspaces,
        )
    message = "the Authorization header uses neither the Bearer scheme nor the AccessKey scheme"
    raise InvalidToken(
        message,
        fix=f"send `Authorization: AccessKey <key>` or `Authorization: Bearer <token>`; "
        f"{_BIRD_HINT}",
        headers={"WWW-Authenticate": bearer_or_access_key_challenge(message)},
    )


def _is_access_key(authorization: list[str]) -> bool:
    return authorization[0].strip().partition(" ")[0].lower() == "accesskey"


def bird_call(*checks: ParameterCheck) -> ProviderOperation:
    """A Bird route's call: ``Authorization: AccessKey`` or ``Bearer``, then ``checks``."""
    resolve, resolve_caller = provider_operation(bird_caller, *checks)

    async def bird_operation(
        request: Request,
        _bearer_declared: HTTPAuthorizationCredentials | None = Security(bearer_scheme),  # noqa: B008
        _key_declared: HTTPAuthorizationCredentials | None = Security(_access_key),  # noqa: B008
    ) -> ProviderCall:
        return await resolve(request)

    return explicitly_resolvable(ProviderOperation(bird_operation, resolve, resolve_caller))
