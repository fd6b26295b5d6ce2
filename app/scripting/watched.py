"""The verdict of a provider request answered on the event loop, from the watched state.

Why: a cached answer (``app.stock.response_cache``) is served on the event loop, and a trip
to the worker threads for the verdict alone cost more than the rest of such a request. Only rate
limits are judged this way: counting a request is one short statement per rate limit on the
watch's connection, which never waits (``StateWatch.count_requests``; what a busy database
leaves uncounted is counted on a worker thread, ``count_requests_waiting``). A request a
live fault may fire on, with its draws, delays and spent times, goes the worker's way
(``runner.judge_then_work``); a fault on another operation or organization does not send
it there. The verdict itself is the one ``script`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.db.state_watch import WatchedRateLimit, WatchedState
from app.scripting.runner import ScriptedCall
from app.scripting.script import Verdict, applies_to, apply_rate_limits, window_start


def fault_may_fire(state: WatchedState, call: ScriptedCall) -> bool:
    """Whether a live fault may fire on this request: then the whole verdict is the
    worker's (its draws, spent times and delays are judged in the database)."""
    return any(applies_to(fault, call.operation, call.organization_id) for fault in state.faults)


def watched_rate_limits(state: WatchedState, call: ScriptedCall) -> list[WatchedRateLimit]:
    """The rate limits that count this request (often none)."""
    return [r for r in state.rate_limits if applies_to(r, call.operation, call.organization_id)]


def windows_of(rules: Sequence[WatchedRateLimit], now: float) -> list[tuple[str, int]]:
    """(rate limit id, window start) of each rule: what counting a request counts in."""
    return [(rule.id, window_start(rule, now)) for rule in rules]


def verdict_of(
    state: WatchedState, rules: Sequence[WatchedRateLimit], counts: Sequence[int], now: float
) -> Verdict:
    """The verdict, given each rule's count with this request."""
    verdict = Verdict(scripted=state.scripted)
    apply_rate_limits(verdict, list(zip(rules, counts, strict=True)), now)
    return verdict
