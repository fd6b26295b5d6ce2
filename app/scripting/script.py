"""Scripted behaviour of the provider operations: faults, delays and rate limits.

Everything lives in the database, so every replica sees the same script. Framework-free:
the routes turn a ``Verdict`` into a delay, headers or an error response.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol, get_args

from sqlalchemy.orm import Session

from app.db.models import Fault, RateLimit
from app.errors import ScriptedFailure
from app.scripting import repository
from app.scripting.repository import ANY_OPERATION


@dataclass(frozen=True, slots=True)
class FailureDefaults:
    code: str
    message: str
    fix: str
    provider: str | None = None
    provider_code: str | None = None
    retry_after_seconds: int | None = None


# What a scripted status says when the script gives only the status.
FAILURE_DEFAULTS: dict[int, FailureDefaults] = {
    402: FailureDefaults(
        "usage_limit_exceeded",
        "Payment Required - usage limits exceeded for this billing period",
        "raise the account's usage limit or wait for the next billing period",
    ),
    429: FailureDefaults(
        "rate_limited",
        "Too Many Requests - rate limit exceeded",
        "retry after the number of seconds in Retry-After",
        retry_after_seconds=1,
    ),
    500: FailureDefaults(
        "internal_error",
        "Internal Server Error",
        "retry with backoff; if it persists, contact support with the trackingId",
    ),
    502: FailureDefaults(
        "provider_error",
        "Bad Gateway - the upstream carrier did not answer",
        "retry with backoff; the carrier's outage is usually short",
        provider="telnyx",
        provider_code="10007",
    ),
    503: FailureDefaults(
        "service_unavailable",
        "Service Unavailable - the numbers service is down for maintenance",
        "retry after the number of seconds in Retry-After",
        retry_after_seconds=5,
    ),
}


# What a transport fault does to the connection (app.web.transport carries it out):
TransportFaultKind = Literal[
    "connection_reset",  # reset (RST) before any response byte
    "empty_response",  # closed with no byte sent
    "random_data_then_close",  # bytes that are not HTTP, then closed
    "malformed_chunk",  # a 200 and chunked headers, then a chunk that is not one, then closed
    "truncated_body",  # a 200 whose Content-Length promises more than is sent, then closed
    "hang",  # nothing, until the client gives up (or hang_ms passes: then closed)
]
TRANSPORT_FAULTS: tuple[str, ...] = get_args(TransportFaultKind)
# Faults that send a status line before breaking: the journal records this status.
TRANSPORT_FAULT_STATUS = {"malformed_chunk": 200, "truncated_body": 200}
DEFAULT_HANG_MS = 60_000
MAX_HANG_MS = 600_000  # nothing hangs longer: a forgotten hang frees its connection
# How a delay can be drawn (WireMock's two): see drawn_delay_ms.
DELAY_DISTRIBUTIONS = ("uniform", "lognormal")
# A drawn delay never exceeds the longest fixed one (a lognormal tail is unbounded).
MAX_DELAY_MS = 60_000


@dataclass(frozen=True, slots=True)
class TransportFault:
    """A transport fault a request met: which one, and how long a hang lasts."""

    kind: str
    hang_ms: int = DEFAULT_HANG_MS


@dataclass(frozen=True, slots=True)
class Dribble:
    """An answer's body sent in ``chunks`` pieces spread over ``total_ms``."""

    chunks: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault to script: the columns of ``Fault`` that its creator chooses."""

    operation: str
    organization_id: str | None = None
    status: int | None = None
    code: str | None = None
    message: str | None = None
    fix: str | None = None
    provider: str | None = None
    provider_code: str | None = None
    delay_ms: int | None = None
    times_remaining: int | None = None  # None: until deleted
    probability: float | None = None
    fault: str | None = None  # one of TRANSPORT_FAULTS
    hang_ms: int | None = None
    delay_distribution: str | None = None  # one of DELAY_DISTRIBUTIONS
    delay_lower_ms: int | None = None
    delay_upper_ms: int | None = None
    delay_median_ms: float | None = None
    delay_sigma: float | None = None
    dribble_chunks: int | None = None
    dribble_total_ms: int | None = None


@dataclass(frozen=True, slots=True)
class RateLimitSpec:
    """A rate limit to set: the columns of ``RateLimit`` that its creator chooses."""

    operation: str
    limit: int
    window_seconds: int
    organization_id: str | None = None


@dataclass
class Verdict:
    """What to do with one provider request."""

    delay_ms: float = 0
    failure: ScriptedFailure | None = None
    transport_fault: TransportFault | None = None  # then no answer: the connection breaks
    dribble: Dribble | None = None
    headers: dict[str, str] = field(default_factory=dict)  # rate-limit headers, on any answer
    scripted: bool = False  # any fault or rate limit existed (counters may have changed)


def judge_request(
    session: Session,
    *,
    seed: int,
    operation: str,
    organization_id: str | None,
    caller: str,
    now: float,
) -> Verdict:
    """Apply the rate limits, then the faults, to one request; counters change atomically."""
    if not repository.anything_scripted(session):
        return Verdict()
    verdict = Verdict(scripted=True)
    _apply_rate_limits(session, verdict, operation, organization_id, caller, now)
    if verdict.failure is None:
        _apply_faults(session, verdict, seed, operation, organization_id)
    return verdict


def create_fault(session: Session, spec: FaultSpec) -> Fault:
    fault = Fault(
        id=str(uuid.uuid4()), created_at=datetime.now(UTC), draws=0, fired=0, **asdict(spec)
    )
    return repository.add_fault(session, fault)


def create_rate_limit(session: Session, spec: RateLimitSpec) -> RateLimit:
    rate_limit = RateLimit(id=str(uuid.uuid4()), created_at=datetime.now(UTC), **asdict(spec))
    return repository.add_rate_limit(session, rate_limit)


class RateLimitRule(Protocol):
    """What a verdict needs of a rate limit (a ``RateLimit`` row, or the watch's copy)."""

    @property
    def id(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def limit(self) -> int: ...
    @property
    def window_seconds(self) -> int: ...


class Targeted(Protocol):
    """What a rate limit or a fault is scripted on: an operation (or any), an organization
    (or any)."""

    @property
    def operation(self) -> str: ...
    @property
    def organization_id(self) -> str | None: ...


def applies_to(rule: Targeted, operation: str, organization_id: str | None) -> bool:
    """Whether ``rule`` (a rate limit or a fault) is scripted on this operation's requests
    for this organization (as ``repository.rate_limits_for`` and ``live_faults_for`` select
    them)."""
    return rule.operation in (operation, ANY_OPERATION) and rule.organization_id in (
        None,
        organization_id,
    )


def window_start(rule: RateLimitRule, now: float) -> int:
    """The start of the fixed window ``now`` falls in (Unix seconds)."""
    return int(now // rule.window_seconds) * rule.window_seconds


def apply_rate_limits(
    verdict: Verdict, counted: Sequence[tuple[RateLimitRule, int]], now: float
) -> None:
    """The verdict of the rate limits, given each one's count with this request: the
    tightest one's headers on any answer, a 429 when any is exceeded."""
    tightest: tuple[int, int, int] | None = None  # remaining, limit, reset
    for rule, count in counted:
        reset_at = window_start(rule, now) + rule.window_seconds
        remaining = max(rule.limit - count, 0)
        if tightest is None or remaining < tightest[0]:
            tightest = (remaining, rule.limit, reset_at)
        if count > rule.limit and verdict.failure is None:
            retry_after = max(math.ceil(reset_at - now), 1)
            verdict.failure = ScriptedFailure(
                f"Too Many Requests - more than {rule.limit} requests in {rule.window_seconds} s",
                fix=f"retry after {retry_after} s (Retry-After), or slow down",
                scripted_status=429,
                scripted_code="rate_limited",
                headers={"Retry-After": str(retry_after)},
            )
    if tightest is not None:
        remaining, limit, reset_at = tightest
        verdict.headers.update(
            {
                "X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset_at),
            }
        )
        if verdict.failure is not None:
            verdict.failure.headers.update(verdict.headers)


def _apply_rate_limits(
    session: Session,
    verdict: Verdict,
    operation: str,
    organization_id: str | None,
    caller: str,
    now: float,
) -> None:
    counted = [
        (rule, repository.count_request(session, rule.id, caller, window_start(rule, now)))
        for rule in repository.rate_limits_for(session, operation, organization_id)
    ]
    apply_rate_limits(verdict, counted, now)


def _apply_faults(
    session: Session, verdict: Verdict, seed: int, operation: str, organization_id: str | None
) -> None:
    for fault in repository.live_faults_for(session, operation, organization_id):
        if fault.probability is not None:
            draw = repository.record_draw(session, fault.id)
            if _draw(seed, fault, draw) >= fault.probability:
                continue
        fired = repository.consume_fault(session, fault)
        if fired is None:
            continue  # another request used its last time
        verdict.delay_ms += drawn_delay_ms(seed, fault, fired)
        if fault.dribble_chunks is not None:
            verdict.dribble = Dribble(fault.dribble_chunks, fault.dribble_total_ms or 0)
        if fault.fault is not None:
            verdict.transport_fault = TransportFault(fault.fault, fault.hang_ms or DEFAULT_HANG_MS)
            return
        if fault.status is not None:
            verdict.failure = _failure(fault)
            return


class DelayRule(Protocol):
    """What a delay is drawn from (a ``Fault`` row)."""

    @property
    def operation(self) -> str: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def delay_ms(self) -> int | None: ...
    @property
    def delay_distribution(self) -> str | None: ...
    @property
    def delay_lower_ms(self) -> int | None: ...
    @property
    def delay_upper_ms(self) -> int | None: ...
    @property
    def delay_median_ms(self) -> float | None: ...
    @property
    def delay_sigma(self) -> float | None: ...


def drawn_delay_ms(seed: int, rule: DelayRule, fired: int) -> float:
    """The delay of the ``fired``-th request a fault fires on: its fixed ``delay_ms``, or a
    draw from its distribution that the seed makes reproducible (the same script delays the
    same requests alike in every run), at most MAX_DELAY_MS."""
    if rule.delay_distribution is None:
        return rule.delay_ms or 0
    draws = random.Random(
        f"{seed}:{rule.operation}:{rule.organization_id}:{rule.delay_distribution}:{fired}"
    )
    if rule.delay_distribution == "uniform":
        lower, upper = rule.delay_lower_ms or 0, rule.delay_upper_ms or 0
        drawn = draws.uniform(lower, upper)
    else:  # lognormal: its median is exp(mu)
        median = rule.delay_median_ms or 0
        drawn = median * math.exp((rule.delay_sigma or 0) * draws.gauss(0, 1)) if median else 0
    return min(drawn, MAX_DELAY_MS)


def _draw(seed: int, fault: Fault, draw: int) -> float:
    """A reproducible draw: the same seed and script fail the same requests in every run."""
    identity = (
        f"{seed}:{fault.operation}:{fault.organization_id}:{fault.status}:{fault.probability}"
    )
    return random.Random(f"{identity}:{draw}").random()


def _failure(fault: Fault) -> ScriptedFailure:
    status = fault.status or 500
    defaults = FAILURE_DEFAULTS.get(status) or FailureDefaults(
        "scripted_fault",
        f"scripted failure with status {status}",
        "remove the fault with DELETE /_mock/faults/{id}",
    )
    headers = {}
    if defaults.retry_after_seconds is not None:
        headers["Retry-After"] = str(defaults.retry_after_seconds)
    return ScriptedFailure(
        fault.message or defaults.message,
        fix=fault.fix or defaults.fix,
        provider=fault.provider or defaults.provider,
        provider_code=fault.provider_code or defaults.provider_code,
        scripted_status=status,
        scripted_code=fault.code or defaults.code,
        headers=headers,
    )
