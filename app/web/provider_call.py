"""A provider operation's call: its caller checked (a Bearer JWT here; a provider's own scheme
in its folder, e.g. Bird's AccessKey), its parameters' names checked, then its work run by
the read path under the script (``ProviderCall``).

Only the caller the journal records travels through the request's scope
(``app.web.journal.note_caller``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.types import Scope

from app.auth.tokens import Principal
from app.scripting.runner import ScriptedCall
from app.stock.response_cache import AnswerKey
from app.web.context import AppContext, get_context
from app.web.journal import note_caller
from app.web.parameters import ParameterCheck
from app.web.read_path import Scripted, StockWork
from app.web.responses import ProviderJSONResponse

# Declares the scheme in OpenAPI; the header itself is checked by TokenVerifier, which also
# refuses several Authorization headers.
bearer_scheme = HTTPBearer(
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


_Result = TypeVar("_Result")


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


# Where an explicit route finds how to resolve a provider call's dependency: on the
# dependency itself (no registry to fill).
_EXPLICIT_RESOLVER = "explicit_resolver"


def explicit_resolver(dependency: Callable[..., Any]) -> ExplicitDependency | None:
    """How an explicit route (``app.web.hot_routes``) resolves ``dependency`` without
    FastAPI; None when it cannot."""
    if dependency is get_context:
        return ExplicitDependency(get_context)
    found: ExplicitDependency | None = getattr(dependency, _EXPLICIT_RESOLVER, None)
    return found


def explicitly_resolvable(operation: ProviderOperation) -> ProviderOperation:
    """``operation``, whose dependency an explicit route may take."""
    how = ExplicitDependency(operation.resolve_caller, provider_call=True)
    setattr(operation.dependency, _EXPLICIT_RESOLVER, how)
    return operation
