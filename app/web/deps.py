"""What routes take as parameters: the app context, a request session, the caller, and a
provider operation's scripted call.

Each dependency names what it needs (``Annotated`` aliases), so nothing depends on the order
in which a route declares its parameters, and nothing travels through ``request.state``
except the caller the journal records (``app.web.journal.note_caller``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.http import HTTPBase
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response
from starlette.types import Scope

from app.auth.access_keys import AccessKeyCodec, access_key
from app.auth.tokens import Principal, TokenVerifier, bearer_token
from app.errors import (
    InvalidAdminKey,
    InvalidToken,
    OrganizationMismatch,
    bearer_or_access_key_challenge,
)
from app.journal.writer import GroupCommitWriter
from app.page_tokens import PageTokenCodec
from app.providers.parameters import reject_unknown_parameters
from app.scripting.runner import ScriptedCall
from app.settings import Settings
from app.stock.answers import AnswerKey
from app.web.journal import note_caller
from app.web.read_path import ReadPath, Scripted, StockWork
from app.web.responses import ProviderJSONResponse


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything built once per app from its settings."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    verifier: TokenVerifier
    page_tokens: PageTokenCodec
    access_keys: AccessKeyCodec
    journal: GroupCommitWriter
    read_path: ReadPath


# The dependencies of the provider routes are `async def`: they only compute, and a sync
# dependency costs a trip to the thread pool (as long as the whole search) per request.
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def flush_journal(context: ContextDep) -> None:
    """Before a route reads or clears the journal: every request answered so far is in it."""
    await context.journal.flush()


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


def token_caller(request: Request, context: AppContext) -> Principal:
    principal = context.verifier.verify(request.headers.getlist("authorization"), require_org=False)
    note_caller(request.scope, principal.org, principal.sub)
    return principal


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


ParameterCheck = Callable[[Request], None]


def known_parameters(
    allowed: Collection[str],
    *,
    repeatable: Collection[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> ParameterCheck:
    """A check refusing query parameters the operation does not have (a provider operation
    runs it after its caller's check; a control route may take it as a dependency)."""

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


_Result = TypeVar("_Result")
# Provider calls run their database work on a few threads of their own: on one core, a
# thread per concurrent request (the default pool's way) spends its time handing the
# interpreter lock around (bench: +10-15% req/s). A stalled database holds these threads,
# never the event loop.
PROVIDER_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="provider-call")


@dataclass(frozen=True, slots=True)
class ProviderCall:
    """One provider request, run under the script: rate limits, delays and faults first."""

    context: AppContext
    principal: Principal
    scripted: ScriptedCall
    answer_key: AnswerKey  # what its answer is cached under, if cached (``answer_key``)
    check_parameters: Callable[[], None]  # the operation's checks of the parameters' names
    scope: Scope  # the request's: what the script does to its transport is noted there

    async def run(self, work: Callable[[Session], _Result]) -> Scripted[_Result]:
        """Run ``work`` in a request session after the verdict, on a worker thread."""
        return await self.context.read_path.run(self.scripted, work, self.scope)

    async def cached(self) -> Response | None:
        """The cached answer of this very request, when the read path has one that holds
        (``ReadPath.cached``); None: read the parameters and answer."""
        cached = await self.context.read_path.cached(self.answer_key, self.scripted)
        if cached is None:
            return None
        return ProviderJSONResponse(
            cached.result, headers=dict(cached.headers) if cached.headers else None
        )

    async def answer_from_stock(self, work: StockWork) -> Scripted[bytes]:
        """The encoded answer of a read whose answer depends on the request's path and query
        and on the stock alone, by the read path (``app.web.read_path``): cached, read on the
        event loop, or read on a worker."""
        return await self.context.read_path.answer(self.answer_key, self.scripted, work, self.scope)


CallerCheck = Callable[[Request, AppContext], Principal]


def provider_operation(
    caller_of: CallerCheck, *checks: ParameterCheck
) -> tuple[ProviderCallResolver, ProviderCallResolver]:
    """How a provider route gets its call: its caller first, then ``checks`` of the
    request's parameters, then the call the route runs its work in; and the same without
    the checks (an explicit route runs them, ``ProviderCall.check_parameters``, once no
    cached answer was found)."""

    async def checked_caller(request: Request) -> ProviderCall:
        context = await get_context(request)
        caller = caller_of(request, context)
        return ProviderCall(
            context=context,
            principal=caller,
            scripted=_scripted_call(request, caller),
            answer_key=answer_key(request),
            check_parameters=lambda: _run_checks(checks, request),
            scope=request.scope,
        )

    async def provider_call(request: Request) -> ProviderCall:
        call = await checked_caller(request)
        call.check_parameters()
        return call

    return provider_call, checked_caller


def _run_checks(checks: Sequence[ParameterCheck], request: Request) -> None:
    for check in checks:
        check(request)


def _scripted_call(request: Request, caller: Principal) -> ScriptedCall:
    route = request.scope.get("route")
    return ScriptedCall(
        operation=getattr(route, "operation_id", None) or "unknown",
        organization_id=caller.org,
        caller=caller.org or caller.sub,
    )


ProviderCallResolver = Callable[[Request], Awaitable[ProviderCall]]


def answer_key(request: Request) -> AnswerKey:
    """What a provider answer read from the stock is cached under: the request's path and raw
    query. Everything such an answer depends on besides the stock is in them (the Bird
    organization is the path's, checked against the caller first); a differently spelled
    query is cached apart, and an error is never cached."""
    return (request.scope["path"], request.scope["query_string"])


@dataclass(frozen=True, slots=True)
class ProviderOperation:
    """A provider route's call: ``dependency`` for FastAPI (it also declares the route's
    security scheme in OpenAPI); ``resolve`` for an explicit route (``app.web.hot_routes``)."""

    dependency: Callable[..., Awaitable[ProviderCall]]
    resolve: ProviderCallResolver
    resolve_caller: ProviderCallResolver  # the call with its caller checked, not its names


@dataclass(frozen=True, slots=True)
class ExplicitDependency:
    """How an explicit route resolves a dependency; ``provider_call``: it is the route's
    ``ProviderCall`` with only its caller checked: its cached answer is tried before any
    parameter is read, then its parameters' names are checked."""

    resolve: Callable[[Request], Awaitable[Any]]
    provider_call: bool = False


# Dependencies that app.web.hot_routes resolves without FastAPI.
_EXPLICIT: dict[Callable[..., Any], ExplicitDependency] = {}


def explicit_dependencies() -> Mapping[Callable[..., Any], ExplicitDependency]:
    """The dependencies an explicit route may take, and how to resolve each from a request."""
    return {get_context: ExplicitDependency(get_context), **_EXPLICIT}


def _explicit(operation: ProviderOperation) -> ProviderOperation:
    _EXPLICIT[operation.dependency] = ExplicitDependency(
        operation.resolve_caller, provider_call=True
    )
    return operation


def bird_call(*checks: ParameterCheck) -> ProviderOperation:
    """A Bird route's call: ``Authorization: AccessKey`` or ``Bearer``, then ``checks``."""
    resolve, resolve_caller = provider_operation(bird_caller, *checks)

    async def bird_operation(
        request: Request,
        _bearer_declared: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
        _key_declared: HTTPAuthorizationCredentials | None = Security(_access_key),  # noqa: B008
    ) -> ProviderCall:
        return await resolve(request)

    return _explicit(ProviderOperation(bird_operation, resolve, resolve_caller))


def pingram_call(*checks: ParameterCheck) -> ProviderOperation:
    """A Pingram route's call: ``Authorization: Bearer``, then ``checks``."""
    resolve, resolve_caller = provider_operation(token_caller, *checks)

    async def pingram_operation(
        request: Request,
        _bearer_declared: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
    ) -> ProviderCall:
        return await resolve(request)

    return _explicit(ProviderOperation(pingram_operation, resolve, resolve_caller))
