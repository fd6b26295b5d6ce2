"""Hot provider routes: documented by FastAPI from their signatures, handled explicitly.

Why: FastAPI (0.165) solves a route's dependencies and re-inspects each parameter's
annotation on every request. On the stock-items page that was most of a request's time (the
Speed issue's profile, `bench/run.py`). An ``ExplicitRoute`` keeps everything FastAPI gives
the route (matching, 404/405, the OpenAPI document, the operation id) and FastAPI's own
validation of each value (``ModelField.validate``: the same pydantic errors, so the same
envelope messages), but works out once, when the route is built, what each request needs:

1. the route's dependencies, each through its explicit resolver (``explicit_dependencies``):
   the provider call checks the caller, then the parameters' names, before anything else;
2. the cached answer of this very request (``ProviderCall.cached``, ``app.web.read_path``):
   a request answered before, on a stock unchanged since, is answered again without
   reading a parameter's value (they were valid, or it would not have been cached);
3. its path and query parameters, read and validated as FastAPI would;
4. the endpoint, called with them; it returns its response.

Only dependencies with a registered resolver are allowed: a route that needs more fails
when the app is built, not on a request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

# FastAPI's own helpers, so that sequences and missing values are told apart as it does.
from fastapi._compat import field_annotation_is_sequence, get_missing_field_error
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from app.web.deps import explicit_dependencies

Resolver = Callable[[Request], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Parameter:
    """A path or query parameter, with what FastAPI would otherwise work out per request."""

    name: str
    alias: str
    location: str  # "path" or "query"
    sequence: bool
    required: bool
    default: Any
    validate_default: bool
    field: Any  # FastAPI's ModelField: its validate() is FastAPI's own validation

    def read(self, values: Mapping[str, Any]) -> tuple[Any, list[Any]]:
        raw: Any = values.getlist(self.alias) if self.sequence else values.get(self.alias)  # type: ignore[attr-defined]
        loc = (self.location, self.alias)
        if raw is None or (self.sequence and len(raw) == 0):
            if self.required:
                return None, [get_missing_field_error(loc=loc)]
            value = deepcopy(self.default)
            if not self.validate_default:
                return value, []
            raw = value
        result: tuple[Any, list[Any]] = self.field.validate(raw, {}, loc=loc)
        return result


class ExplicitRoute(APIRoute):
    """An ``APIRoute`` whose requests skip FastAPI's per-request dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        explicit = explicit_dependencies()
        dependencies: list[tuple[str, Resolver]] = []
        provider_calls: list[str] = []
        for dependency in self.dependant.dependencies:
            how = explicit.get(dependency.call)  # type: ignore[arg-type]
            if how is None or dependency.name is None:
                raise TypeError(
                    f"{self.path}: dependency {dependency.call!r} has no explicit resolver; "
                    "register one in app.web.deps.explicit_dependencies or use an APIRoute"
                )
            dependencies.append((dependency.name, how.resolve))
            if how.provider_call:
                provider_calls.append(dependency.name)
        if len(provider_calls) > 1:
            raise TypeError(f"{self.path}: more than one provider call")
        provider_call = provider_calls[0] if provider_calls else None
        if self.dependant.body_params or self.dependant.header_params:
            raise TypeError(f"{self.path}: an explicit route takes path and query parameters only")
        path = [_parameter(field, "path") for field in self.dependant.path_params]
        query = [_parameter(field, "query") for field in self.dependant.query_params]
        endpoint: Callable[..., Awaitable[Response]] = self.endpoint

        async def handle(request: Request) -> Response:
            # Dependencies first: the caller is checked before any parameter, as before.
            arguments = {name: await resolve(request) for name, resolve in dependencies}
            if provider_call is not None:
                cached: Response | None = await arguments[provider_call].cached()
                if cached is not None:
                    return cached
            errors: list[Any] = []
            for parameters, values in (
                (path, request.path_params),
                (query, request.query_params),
            ):
                for parameter in parameters:
                    value, problems = parameter.read(values)
                    if problems:
                        errors.extend(problems)
                    else:
                        arguments[parameter.name] = value
            if errors:
                raise RequestValidationError(errors)
            return await endpoint(**arguments)

        return handle


def _parameter(field: Any, location: str) -> _Parameter:
    info = field.field_info
    return _Parameter(
        name=field.name,
        alias=field.alias,
        location=location,
        sequence=location == "query" and field_annotation_is_sequence(info.annotation),
        required=info.is_required(),
        default=field.default,
        validate_default=bool(info.validate_default),
        field=field,
    )
