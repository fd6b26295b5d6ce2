"""What routes take as parameters: the app context, a request session, the caller."""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.auth import Principal, TokenVerifier, bearer_token
from app.errors import InvalidAdminKey, InvalidToken, OrganizationMismatch
from app.pagination import PageTokenCodec
from app.query_params import reject_unknown_parameters
from app.scripting import Verdict, judge_request
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything built once per app from its settings."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    verifier: TokenVerifier
    page_tokens: PageTokenCodec


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error."""
    with context.sessions.begin() as session:
        yield session


# scope="function": commit before the response leaves. The default ("request") commits after
# it is sent, so a client could read its own write back stale, and a failed commit would
# never reach it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# Declares the scheme in OpenAPI; the header itself is checked by TokenVerifier, which also
# refuses several Authorization headers.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A JWT with sub, exp, iss, aud (and org for the stock-items API): HS256 with "
    "NUMBERS_MOCK_JWT_SECRET (mint one with `numbers-mock token --org <organizationId>`), or "
    "RS256/ES256 with NUMBERS_MOCK_JWT_PUBLIC_KEY or NUMBERS_MOCK_JWT_JWKS when configured.",
)
_BearerDeclaration = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def organization_principal(
    request: Request, context: ContextDep, _declared: _BearerDeclaration
) -> Principal:
    """The caller of an organization's API: a valid token whose org is the path's."""
    principal = context.verifier.verify(request.headers.getlist("authorization"), require_org=True)
    request.state.principal = principal  # for the journal
    organization_id = request.path_params.get("organizationId")
    if principal.org != organization_id:
        raise OrganizationMismatch(
            f"the token is for organization {principal.org!r}, not {organization_id!r}",
            fix=f"call /organizations/{principal.org}/... or mint a token with "
            f"`numbers-mock token --org {organization_id}`",
        )
    return principal


def token_principal(
    request: Request, context: ContextDep, _declared: _BearerDeclaration
) -> Principal:
    """The caller of an API without organizations in its paths: any valid token."""
    principal = context.verifier.verify(request.headers.getlist("authorization"), require_org=False)
    request.state.principal = principal  # for the journal
    return principal


OrganizationPrincipalDep = Annotated[Principal, Depends(organization_principal)]
TokenPrincipalDep = Annotated[Principal, Depends(token_principal)]


def known_parameters(
    allowed: Collection[str],
    *,
    repeatable: Collection[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> Callable[[Request], None]:
    """A dependency refusing unknown query parameters (declare it after the principal)."""

    def check(request: Request) -> None:
        reject_unknown_parameters(
            request.query_params.multi_items(),
            allowed=allowed,
            repeatable=repeatable,
            aliases=aliases,
        )

    return check


_admin_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AdminKey",
    description="The control API's key: NUMBERS_MOCK_ADMIN_KEY (a development default when "
    "unset; the server warns about it at start).",
)


def admin_access(
    request: Request,
    context: ContextDep,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_admin_bearer)],
) -> None:
    """The control API's caller must send ``Authorization: Bearer <NUMBERS_MOCK_ADMIN_KEY>``."""
    expected = context.settings.admin_key.get_secret_value().encode()
    try:
        key = bearer_token(request.headers.getlist("authorization"), hint="")
    except InvalidToken as refused:
        problem = refused.message
    else:
        if hmac.compare_digest(key.encode(), expected):
            return
        problem = "the admin key is wrong"
    raise InvalidAdminKey(
        f"the control API needs `Authorization: Bearer <admin key>`: {problem}",
        fix="send the server's NUMBERS_MOCK_ADMIN_KEY as a bearer token (the server logs "
        "whether it uses the development default)",
    )


async def scripted_behaviour(request: Request, context: ContextDep) -> None:
    """Apply the scripted rate limits, delays and faults (declare it after the principal)."""
    principal: Principal = request.state.principal
    route = request.scope.get("route")
    operation = getattr(route, "operation_id", None) or "unknown"
    caller = principal.org or principal.sub
    verdict = await run_in_threadpool(_judge, context, operation, principal.org, caller)
    if verdict.headers:
        request.state.response_headers = verdict.headers
    if verdict.delay_ms:
        await asyncio.sleep(verdict.delay_ms / 1000)
    if verdict.failure is not None:
        raise verdict.failure


def _judge(
    context: AppContext, operation: str, organization_id: str | None, caller: str
) -> Verdict:
    # Its own transaction: counters and spent faults must stick even when the request fails.
    with context.sessions() as session, session.begin():
        return judge_request(
            session,
            seed=context.settings.seed,
            operation=operation,
            organization_id=organization_id,
            caller=caller,
            now=time.time(),
        )


ScriptedBehaviourDep = Annotated[None, Depends(scripted_behaviour)]
