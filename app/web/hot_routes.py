"""Hot provider routes: documented by FastAPI from their signatures, handled explicitly.

Why: FastAPI (0.165) solves a route's dependencies and re-inspects each parameter's
annotation on every request. On the stock-items page that was most of a request's time (the
Speed issue's profile, `bench/run.py`). An ``ExplicitRoute`` keeps everything FastAPI gives
the route (matching, 404/405, the OpenAPI document, the operation id), but works out once,
when the route is built, from the endpoint's own signature (``Annotated`` with FastAPI's
public ``Path``, ``Query`` and ``Depends``), what each request needs:

1. the provider call, through its explicit resolver (``explicit_resolver``): it checks
   the caller before anything else;
2. the cached answer of this very request (``ProviderCall.cached``, ``app.web.read_path``):
   a request answered before, on a stock unchanged since, is answered again without
   reading a parameter (they were valid, or it would not have been cached); else the
   provider call checks the parameters' names, and the other dependencies are resolved;
3. its path and query parameters, each validated by a pydantic ``TypeAdapter`` of its type
   and constraints: the errors FastAPI would give, so the same envelope messages;
4. the endpoint, called with them; it returns its response.

Only public interfaces of FastAPI and pydantic are used: a FastAPI release cannot break
this module without breaking its users' code too. Only dependencies with a registered
resolver are allowed: a route that needs more fails when the app is built, not on a request.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from starlette.requests import Request
from starlette.responses import Response

from app.web.parameters import query_items
from app.web.provider_call import explicit_resolver

Resolver = Callable[[Request], Awaitable[Any]]
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class _Parameter:
    """A path or query parameter, with what FastAPI would otherwise work out per request."""

    name: str
    alias: str
    location: str  # "path" or "query"
    sequence: bool
    default: Any  # _MISSING: required
    adapter: TypeAdapter[Any]

    def read(self, values: Mapping[str, list[str]]) -> tuple[Any, list[Any]]:
        """The parameter from ``values`` (every value of each name, in order), validated."""
        given = values.get(self.alias)
        if not given:
            if self.default is _MISSING:
                return None, [_missing((self.location, self.alias))]
            default = self.default
            # Each request gets its own copy of a mutable default, as FastAPI gives.
            return (default if isinstance(default, _IMMUTABLE) else deepcopy(default)), []
        raw = given if self.sequence else given[-1]  # one value: the last, as Starlette's get
        try:
            return self.adapter.validate_python(raw), []
        except ValidationError as invalid:
            loc = (self.location, self.alias)
            errors = invalid.errors(include_url=False)
            return None, [{**error, "loc": loc + tuple(error["loc"])} for error in errors]


_IMMUTABLE = (type(None), bool, int, float, str, bytes, tuple, frozenset)


class ExplicitRoute(APIRoute):
    """An ``APIRoute`` whose requests skip FastAPI's per-request dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        dependencies: list[tuple[str, Resolver]] = []
        provider_calls: list[str] = []
        parameters: list[_Parameter] = []
        for name, annotation, default in _signature(self.endpoint):
            kind, info = _declared(annotation, default)
            if isinstance(info, params.Depends):
                how = None if info.dependency is None else explicit_resolver(info.dependency)
                if how is None:
                    raise TypeError(
                        f"{self.path}: dependency {info.dependency!r} has no explicit resolver; "
                        "build it with provider_call.explicitly_resolvable, or use an APIRoute"
                    )
                dependencies.append((name, how.resolve))
                if how.provider_call:
                    provider_calls.append(name)
            elif isinstance(info, params.Path | params.Query):
                parameters.append(_parameter(name, kind, info, default))
            else:
                raise TypeError(f"{self.path}: {name} is neither a dependency, Path nor Query")
        if len(provider_calls) > 1:
            raise TypeError(f"{self.path}: more than one provider call")
        provider_call = provider_calls[0] if provider_calls else None
        resolvers = dict(dependencies)
        others = [(name, resolve) for name, resolve in dependencies if name != provider_call]
        path = [p for p in parameters if p.location == "path"]
        query = [p for p in parameters if p.location == "query"]
        endpoint: Callable[..., Awaitable[Response]] = self.endpoint

        async def handle(request: Request) -> Response:
            # The provider call first: the caller is checked before anything else, then the
            # cached answer is tried before the other dependencies and any parameter.
            arguments: dict[str, Any] = {}
            if provider_call is not None:
                call = arguments[provider_call] = await resolvers[provider_call](request)
                cached: Response | None = await call.cached()
                if cached is not None:
                    return cached
                call.check_parameters()
            for name, resolve in others:
                arguments[name] = await resolve(request)
            errors: list[Any] = []
            # Every value of each name at once: a parameter is then one dict lookup (Starlette's
            # get raises and catches a KeyError for each parameter the request leaves out).
            query_values: dict[str, list[str]] = {}
            for name, value in query_items(request):
                query_values.setdefault(name, []).append(value)
            path_values = {name: [value] for name, value in request.path_params.items()}
            for declared, values in ((path, path_values), (query, query_values)):
                for parameter in declared:
                    value, problems = parameter.read(values)
                    if problems:
                        errors.extend(problems)
                    else:
                        arguments[parameter.name] = value
            if errors:
                raise RequestValidationError(errors)
            return await endpoint(**arguments)

        return handle


def _signature(endpoint: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    """(name, resolved annotation with its metadata, default) of each parameter."""
    hints = typing.get_type_hints(endpoint, include_extras=True)
    return [
        (name, hints[name], parameter.default)
        for name, parameter in inspect.signature(endpoint).parameters.items()
    ]


def _declared(annotation: Any, default: Any) -> tuple[Any, Any]:
    """The parameter's type and its FastAPI declaration (Path, Query or Depends)."""
    if typing.get_origin(annotation) is Annotated:
        kind, *metadata = typing.get_args(annotation)
        declared = [m for m in metadata if isinstance(m, params.Depends | FieldInfo)]
        if declared:
            return kind, declared[-1]
    return annotation, default


def _parameter(name: str, kind: Any, info: FieldInfo, default: Any) -> _Parameter:
    location = "path" if isinstance(info, params.Path) else "query"
    if not info.is_required():
        default = info.get_default(call_default_factory=True)
    elif default is inspect.Parameter.empty or location == "path":
        default = _MISSING
    return _Parameter(
        name=name,
        alias=info.alias or name,
        location=location,
        sequence=location == "query" and _is_sequence(kind),
        default=default,
        # The type and its constraints (ge, le, min_length...), as FastAPI validates them.
        adapter=TypeAdapter(Annotated[(kind, *info.metadata)])
        if info.metadata
        else TypeAdapter(kind),
    )


def _is_sequence(kind: Any) -> bool:
    """A list of values (``list[str] | None``): read with ``getlist``."""
    origin = typing.get_origin(kind)
    if origin is Annotated:
        return _is_sequence(typing.get_args(kind)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_sequence(arg) for arg in typing.get_args(kind))
    candidate = origin or kind
    return (
        isinstance(candidate, type)
        and issubclass(candidate, Sequence | set | frozenset)
        and not issubclass(candidate, str | bytes)
    )


def _missing(loc: tuple[str, str]) -> dict[str, Any]:
    """Pydantic's own "Field required" error, as FastAPI reports a missing parameter."""
    (error,) = ValidationError.from_exception_data(
        "Field required", [{"type": "missing", "loc": loc, "input": {}}]
    ).errors(include_url=False)
    return {**error, "input": None}
