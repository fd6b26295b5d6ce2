"""Checks of a request's query parameters' names that every route shares: unknown names are
refused with the closest known one, a single parameter given twice is refused."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from fastapi import Request

from app.errors import InvalidParameter, UnknownParameter

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
