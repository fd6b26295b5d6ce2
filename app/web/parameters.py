"""A request's query parameters, parsed once (``query_items``), and the checks of their names
that every route shares: unknown names are refused with the closest known one, a single
parameter given twice is refused."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from urllib.parse import unquote

from fastapi import Request

from app.errors import InvalidParameter, UnknownParameter

ParameterCheck = Callable[[Request], None]

# Where a request's parsed query is kept, in its ASGI scope (one per request, shared by the
# routes' checks and the explicit routes' parameters, whatever Request object they hold).
_QUERY_ITEMS = "numbers_mock.query_items"


def query_items(request: Request) -> list[tuple[str, str]]:
    """The request's query parameters in order, as ``request.query_params.multi_items()``
    gives them, parsed once per request (``parse_query``)."""
    scope = request.scope
    items: list[tuple[str, str]] | None = scope.get(_QUERY_ITEMS)
    if items is None:
        items = scope[_QUERY_ITEMS] = parse_query(scope.get("query_string", b""))
    return items


def query_value(request: Request, name: str) -> str | None:
    """The last value of ``name`` in the query, as ``request.query_params.get`` gives it."""
    value = None
    for item_name, item_value in query_items(request):
        if item_name == name:
            value = item_value
    return value


def parse_query(query_string: bytes) -> list[tuple[str, str]]:
    """A raw query as Starlette's ``QueryParams`` parses it (``parse_qsl`` of its Latin-1
    text, blank values kept), in a third of the time: a part with no ``+`` or ``%`` is
    taken as it is. Why: building a ``QueryParams`` (parse_qsl, then a multi-dict nobody
    here needs) was 14 µs of every provider request that no cached answer serves (Speed
    II)."""
    items = []
    for part in query_string.decode("latin-1").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in part:
            name = name.replace("+", " ")
            value = value.replace("+", " ")
        if "%" in part:
            name = unquote(name)
            value = unquote(value)
        items.append((name, value))
    return items


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
            query_items(request),
            allowed=allowed,
            repeatable=repeatable,
            aliases=aliases,
        )

    return check


def reject_unknown_parameters(
    received: Sequence[tuple[str, str]],
    *,
    allowed: Collection[str],
    repeatable: Collection[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Refuse query parameters the operation does not have, and repeated single ones.

    ``aliases`` maps names clients commonly confuse (another provider's spelling) to ours.
    """
    seen: dict[str, int] = {}
    for name, _value in received:
        seen[name] = seen.get(name, 0) + 1
    for name, times in seen.items():
        if name not in allowed:
            suggestion = (aliases or {}).get(name) or closest(name, allowed)
            hint = f"; did you mean {suggestion}?" if suggestion else ""
            raise UnknownParameter(
                f"unknown query parameter {name!r}{hint}",
                fix=f"use {suggestion} instead"
                if suggestion
                else f"remove it; this operation takes {', '.join(sorted(allowed))}"
                if allowed
                else "remove it; this operation takes no query parameters",
            )
        if times > 1 and name not in repeatable:
            raise InvalidParameter(
                f"{name} is given {times} times; it takes one value",
                fix=f"send {name} once",
            )


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name`` (any case), if one is close."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[matches[0]] if matches else None


def did_you_mean(item: str, candidates: Iterable[str], parameter: str, *, default: str) -> str:
    """A fix naming the closest candidate (``did you mean types=local?``), else ``default``."""
    suggestion = closest(item, candidates)
    return f"did you mean {parameter}={suggestion}?" if suggestion else default
