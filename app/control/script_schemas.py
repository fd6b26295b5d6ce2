"""Request and response bodies of the script (``/_mock/faults``, ``/_mock/rate-limits``):
faults, with their transport faults, drawn delays and dribbles, and rate limits.

Fields are snake_case in Python, camelCase in JSON (``app.control.schemas``' bases). A fault
request turns itself into the scripting layer's ``FaultSpec``; a scripted fault reads its row.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, StrictFloat, StrictInt, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.control.schemas import Operation, RecordedTime, RequestBody, ResponseBody
from app.db.models import Fault
from app.scripting.script import (
    DEFAULT_HANG_MS,
    MAX_DELAY_MS,
    MAX_HANG_MS,
    FaultSpec,
    RateLimitSpec,
    TransportFaultKind,
)

_FAULT_DOC = (
    "A transport fault instead of an answer (nothing is done): connection_reset (a TCP reset "
    "before any byte), empty_response (closed, nothing sent), random_data_then_close (bytes "
    "that are not HTTP), malformed_chunk (a 200, then a broken chunked body), truncated_body "
    "(a 200 whose body stops before its Content-Length), hang (no answer until the client "
    "gives up, or hangMs passes)."
)


def _combination_error(message: str, fix: str) -> PydanticCustomError:
    """A check of fields that go together: the envelope takes its fix from ``ctx``."""
    return PydanticCustomError("invalid_combination", message, {"fix": fix})


class UniformDelay(RequestBody):
    """A delay drawn uniformly between lowerMs and upperMs (WireMock's uniform)."""

    distribution: Literal["uniform"]
    lower_ms: StrictInt = Field(ge=0, le=MAX_DELAY_MS)
    upper_ms: StrictInt = Field(ge=0, le=MAX_DELAY_MS)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.lower_ms > self.upper_ms:
            raise _combination_error(
                f"lowerMs ({self.lower_ms}) is above upperMs ({self.upper_ms})",
                "send lowerMs <= upperMs",
            )
        return self


class LognormalDelay(RequestBody):
    """A delay drawn from a log-normal distribution: half the requests wait less than
    medianMs; sigma spreads the tail (0: always medianMs). WireMock's lognormal. Draws are
    capped at 60000 ms."""

    distribution: Literal["lognormal"]
    median_ms: StrictFloat | StrictInt = Field(gt=0, le=MAX_DELAY_MS)
    sigma: StrictFloat | StrictInt = Field(ge=0, le=5)


DelayDistribution = Annotated[UniformDelay | LognormalDelay, Field(discriminator="distribution")]


class Dribble(RequestBody):
    """The answer's body sent in this many chunks spread over totalMs (a slow network)."""

    chunks: StrictInt = Field(ge=1, le=1000)
    total_ms: StrictInt = Field(ge=0, le=MAX_DELAY_MS)


# A transport fault sends no error body: these fields describe one.
_ERROR_BODY_FIELDS = ("status", "code", "message", "fix", "provider", "provider_code", "dribble")


class FaultRequest(RequestBody):
    operation: Operation
    organization_id: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )
    status: StrictInt | None = Field(default=None, ge=400, le=599)
    code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,63}$")
    message: str | None = Field(default=None, max_length=1000)
    fix: str | None = Field(default=None, max_length=1000)
    provider: str | None = Field(default=None, max_length=64)
    provider_code: str | None = Field(default=None, max_length=64)
    delay_ms: StrictInt | None = Field(default=None, ge=0, le=MAX_DELAY_MS)
    delay: DelayDistribution | None = Field(
        default=None, description="A delay drawn per request, reproducible from the seed."
    )
    dribble: Dribble | None = None
    fault: TransportFaultKind | None = Field(default=None, description=_FAULT_DOC)
    hang_ms: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_HANG_MS,
        description=f"With fault hang: when the server gives up and closes the connection "
        f"(default {DEFAULT_HANG_MS}).",
    )
    times_remaining: StrictInt | None = Field(
        default=None, alias="times", ge=1, description="Absent: until deleted."
    )
    probability: StrictFloat | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _does_something(self) -> Self:
        effects = (self.status, self.fault, self.delay_ms, self.delay, self.dribble)
        if all(effect is None for effect in effects):
            raise _combination_error(
                "give a status (fail), a fault (break the connection), a delayMs or a delay "
                "(slow down), a dribble (a slow body), or several",
                "add one of status, fault, delayMs, delay or dribble",
            )
        if self.delay_ms is not None and self.delay is not None:
            raise _combination_error(
                "delayMs and delay exclude each other",
                "send delayMs for a fixed delay or delay for a drawn one, not both",
            )
        if self.fault is not None:
            for name in _ERROR_BODY_FIELDS:
                if getattr(self, name) is not None:
                    alias = to_camel(name)
                    raise _combination_error(
                        f"fault {self.fault} sends no answer, so {alias} cannot go with it",
                        f"remove {alias}, or remove fault and script a status instead",
                    )
        if self.hang_ms is not None and self.fault != "hang":
            raise _combination_error(
                "hangMs is for fault hang only", "remove hangMs, or send fault: hang"
            )
        return self

    def spec(self) -> FaultSpec:
        """The fault as the scripting layer takes it (its columns' names)."""
        fields = self.model_dump(by_alias=False, exclude={"delay", "dribble"})
        delay, dribble = self.delay, self.dribble
        return FaultSpec(
            **fields,
            delay_distribution=None if delay is None else delay.distribution,
            delay_lower_ms=delay.lower_ms if isinstance(delay, UniformDelay) else None,
            delay_upper_ms=delay.upper_ms if isinstance(delay, UniformDelay) else None,
            delay_median_ms=delay.median_ms if isinstance(delay, LognormalDelay) else None,
            delay_sigma=delay.sigma if isinstance(delay, LognormalDelay) else None,
            dribble_chunks=None if dribble is None else dribble.chunks,
            dribble_total_ms=None if dribble is None else dribble.total_ms,
        )


class ScriptedFault(ResponseBody):
    id: str
    operation: Operation
    organization_id: str | None
    status: int | None
    code: str | None
    message: str | None
    fix: str | None
    provider: str | None
    provider_code: str | None
    delay_ms: int | None
    times_remaining: int | None = Field(
        alias="times", description="Times left to fire; null: until deleted."
    )
    probability: float | None
    delay: DelayDistribution | None
    dribble: Dribble | None
    fault: TransportFaultKind | None
    hang_ms: int | None = Field(description="With fault hang: when the server closes.")
    fired: int
    created_at: RecordedTime

    @classmethod
    def of(cls, fault: Fault) -> Self:
        """From the row: its delay distribution and dribble columns as objects."""
        delay: UniformDelay | LognormalDelay | None = None
        if fault.delay_distribution == "uniform":
            delay = UniformDelay.model_validate(
                {
                    "distribution": "uniform",
                    "lowerMs": fault.delay_lower_ms or 0,
                    "upperMs": fault.delay_upper_ms or 0,
                }
            )
        elif fault.delay_distribution == "lognormal":
            delay = LognormalDelay.model_validate(
                {
                    "distribution": "lognormal",
                    "medianMs": fault.delay_median_ms or 0,
                    "sigma": fault.delay_sigma or 0,
                }
            )
        dribble = None
        if fault.dribble_chunks is not None:
            dribble = Dribble.model_validate(
                {"chunks": fault.dribble_chunks, "totalMs": fault.dribble_total_ms or 0}
            )
        hang_ms = None
        if fault.fault == "hang":
            hang_ms = fault.hang_ms or DEFAULT_HANG_MS
        return cls(
            id=fault.id,
            operation=fault.operation,
            organization_id=fault.organization_id,
            status=fault.status,
            code=fault.code,
            message=fault.message,
            fix=fault.fix,
            provider=fault.provider,
            provider_code=fault.provider_code,
            delay_ms=fault.delay_ms,
            delay=delay,
            dribble=dribble,
            fault=fault.fault,
            hang_ms=hang_ms,
            times=fault.times_remaining,
            probability=fault.probability,
            fired=fault.fired,
            created_at=fault.created_at,
        )


class ScriptedFaults(ResponseBody):
    faults: list[ScriptedFault]


class RateLimitRequest(RequestBody):
    operation: Operation
    limit: StrictInt = Field(ge=1, le=1_000_000)
    window_seconds: StrictInt = Field(ge=1, le=86_400)
    organization_id: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )

    def spec(self) -> RateLimitSpec:
        """The rate limit as the scripting layer takes it (the same field names)."""
        return RateLimitSpec(**self.model_dump(by_alias=False))


class ScriptedRateLimit(ResponseBody):
    id: str
    operation: Operation
    organization_id: str | None
    limit: int
    window_seconds: int
    created_at: RecordedTime


class ScriptedRateLimits(ResponseBody):
    rate_limits: list[ScriptedRateLimit]
