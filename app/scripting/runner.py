"""Runs one provider operation under the script: the verdict first, then the operation.

Framework-free: the web layer calls ``judge_then_work`` on a worker thread, then waits out
the verdict's delay and answers with its headers. Both steps share one connection; when
something is scripted they run in two transactions, so counters and spent faults stick even
when the operation then fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from app.errors import ApiError
from app.scripting.script import Verdict, judge_request

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """Who calls which operation: what faults and rate limits match on."""

    operation: str
    organization_id: str | None
    caller: str  # the rate limits' bucket: the organization, else the token's subject


@dataclass(frozen=True, slots=True)
class Outcome(Generic[Result]):
    """The verdict, and either the operation's result or the error to answer with (neither
    when the verdict is a transport fault)."""

    verdict: Verdict
    result: Result | None = None
    error: ApiError | None = None


def judge_then_work(
    sessions: sessionmaker[Session],
    call: ScriptedCall,
    work: Callable[[Session], Result],
    *,
    seed: int,
) -> Outcome[Result]:
    with sessions() as session:  # one connection for both
        try:
            with session.begin():
                verdict = judge_request(
                    session,
                    seed=seed,
                    operation=call.operation,
                    organization_id=call.organization_id,
                    caller=call.caller,
                    now=time.time(),
                )
                if not verdict.scripted:
                    # Nothing scripted, nothing counted: the operation shares the transaction
                    # (the common case, one BEGIN/COMMIT instead of two).
                    return Outcome(verdict, result=work(session))
        except ApiError as error:
            return Outcome(Verdict(), error=error)
        if verdict.failure is not None:
            return Outcome(verdict, error=verdict.failure)
        if verdict.transport_fault is not None:
            return Outcome(verdict)  # the connection breaks: nothing is done, nothing answered
        try:
            with session.begin():
                return Outcome(verdict, result=work(session))
        except ApiError as error:
            # Answered after the verdict's delay and with its headers, like any other answer.
            return Outcome(verdict, error=error)
