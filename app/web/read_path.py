"""The read path: where and how a provider request reaches the database, in one place.

Every provider request comes here once its caller is checked (``app.web.provider_call``). A read of
the stock (Bird's stock items, Pingram's search: ``ReadPath.answer``) takes the first rung
that applies:

1. **The watched state** (``app.db.state_watch``): the stock's version and what is scripted,
   read on the event loop without ever waiting. Unreadable (SQLite busy, an in-memory
   database), or a live fault that may fire on this request (its draws, spent times and
   delays are judged in the database): rung 5. PostgreSQL has no watch: on a worker, its
   thread's own connection sends whether anything is scripted and the page in one round
   trip (``app.db.read_connections``); anything scripted, rung 5.
2. **Rate limits**, judged here from the watched state (``app.scripting.watched``), the request
   counted by group commit (``app.scripting.counts``). A 429 ends the request.
3. **The response cache** (``app.stock.response_cache``): the answer read at this very version.
4. **The read on the event loop**, on the watch's own SQLite connection, which never waits:
   the statement compiled once (``app.stock.reader``), no thread hop, no transaction. SQLite
   busy, or a release hold check due (a write): the same read on a worker thread.
5. **The worker path** (``run``): on a provider-call thread, the verdict in the database and
   then the work, in one transaction when nothing is scripted (``app.scripting.runner``);
   a transport fault or a dribbled body is carried out by ``app.web.transport``.

Why: a thread hop, a session, a transaction and SQLAlchemy's execution cost several times
the ~40 µs an indexed page costs SQLite itself (Speed II's profile). Writes (purchases,
releases) and the other reads always take rung 5.

A request whose answer is cached is answered before its parameters are read (``cached``,
called by ``app.web.hot_routes``): its parameters were valid when the answer was read.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Scope

from app.db.read_connections import ReadConnections
from app.db.state_watch import StateWatch, WatchedState
from app.errors import ApiError
from app.scripting.counts import RequestCounter
from app.scripting.repository import SCRIPTED_SQL
from app.scripting.runner import ScriptedCall, judge_then_work
from app.scripting.script import Dribble, Verdict
from app.scripting.watched import fault_may_fire, verdict_of, watched_rate_limits, windows_of
from app.stock import search
from app.stock.reader import StockReader
from app.stock.response_cache import AnswerKey, ResponseCache, stock_version
from app.web.responses import ProviderJSONResponse
from app.web.transport import Dribbled, TransportFaultMet, transport_effects

_Result = TypeVar("_Result")
# Provider calls run their database work on a few threads of their own: on one core, a
# thread per concurrent request (the default pool's way) spends its time handing the
# interpreter lock around (bench: +10-15% req/s). A stalled database holds these threads,
# never the event loop.
PROVIDER_WORKERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="provider-call")
StockWork = Callable[[StockReader], bytes]  # reads a page, returns the encoded answer
_UNSCRIPTED = Verdict()
_NO_HEADERS: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True)
class Scripted(Generic[_Result]):
    """An operation's result, with the headers the script adds to its answer (rate limits)."""

    result: _Result
    headers: Mapping[str, str]
    dribble: Dribble | None = None  # its body sent slowly, in pieces

    def respond(self, body: Any, status_code: int = 200) -> ProviderJSONResponse:
        answer = ProviderJSONResponse(body, status_code=status_code, headers=dict(self.headers))
        return answer if self.dribble is None else Dribbled(answer, self.dribble)


class ReadPath:
    """The rungs above, for one app: its database, watch, response cache and workers."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        dialect: Dialect,
        watch: StateWatch | None,
        reads: ReadConnections | None,
        counter: RequestCounter | None,
        executor: Executor,
        seed: int,
    ) -> None:
        self._sessions = sessions
        self._dialect = dialect
        self._watch = watch
        self._reads = reads
        self._counter = counter
        self._executor = executor
        self._seed = seed
        self.answers = ResponseCache()

    async def cached(self, key: AnswerKey, call: ScriptedCall) -> Scripted[bytes] | None:
        """The cached answer of this very request, once the script allows it; None: read
        the parameters and call ``answer``."""
        state = self._state()
        if state is None or search.holds_check_due():
            return None
        if state.faults and fault_may_fire(state, call):
            return None
        answer = self.answers.get(key, state.stock_version)
        if answer is None:
            return None
        if not state.rate_limits:  # the common case, without a coroutine
            return Scripted(answer, _NO_HEADERS)
        verdict = await self._judge_on_loop(state, call)
        return Scripted(answer, verdict.headers)

    async def answer(
        self, key: AnswerKey, call: ScriptedCall, work: StockWork, scope: Scope
    ) -> Scripted[bytes]:
        """``work``'s answer by the first rung that applies (see the module's docstring)."""
        state = self._state()
        if state is None and self._reads is not None and not search.holds_check_due():
            answer = await self._on_worker(functools.partial(self._read_unscripted, work))
            if answer is not None:
                return Scripted(answer, {})
        if state is None or fault_may_fire(state, call):
            scripted = await self.run(call, functools.partial(self._read_in, key, work), scope)
            version, worked = scripted.result
            if version is not None:
                self.answers.keep(key, version, worked)
            return Scripted(worked, scripted.headers, scripted.dribble)
        verdict = await self._judge_on_loop(state, call)
        # A due hold check is a write: the worker's (it may put numbers back in stock).
        if not search.holds_check_due():
            answer = self.answers.get(key, state.stock_version)
            if answer is not None:
                return Scripted(answer, verdict.headers)
            answer = self._read_on_loop(work)
            if answer is not None:
                # Read after the state: a change in between leaves an answer tagged older
                # than it is, never used and never wrong.
                self.answers.keep(key, state.stock_version, answer)
                return Scripted(answer, verdict.headers)
        version, read = await self._on_worker(self._in_session(key, work))
        if version is not None:
            self.answers.keep(key, version, read)
        return Scripted(read, verdict.headers)

    async def run(
        self, call: ScriptedCall, work: Callable[[Session], _Result], scope: Scope
    ) -> Scripted[_Result]:
        """Rung 5 for any provider operation: the verdict, then ``work`` in a session, on a
        provider-call thread; the verdict's delay waited out on the event loop, its transport
        fault or dribble handed to ``app.web.transport`` through the request's ``scope``."""
        outcome = await self._on_worker(
            functools.partial(judge_then_work, self._sessions, call, work, seed=self._seed)
        )
        verdict = outcome.verdict
        if verdict.delay_ms:
            await asyncio.sleep(verdict.delay_ms / 1000)
        if verdict.transport_fault is not None:
            raise TransportFaultMet(verdict.transport_fault)
        if verdict.dribble is not None:  # for an error's answer (app.web.error_handlers)
            transport_effects(scope).dribble = verdict.dribble
        if outcome.error is not None:
            for name, value in verdict.headers.items():
                outcome.error.headers.setdefault(name, value)
            raise outcome.error
        return Scripted(outcome.result, verdict.headers, verdict.dribble)  # type: ignore[arg-type]

    def close(self) -> None:
        """Forget every answer and close the watch's and the reads' connections (the app is
        stopping)."""
        self.answers.clear()
        if self._watch is not None:
            self._watch.close()
        if self._reads is not None:
            self._reads.close()

    def _state(self) -> WatchedState | None:
        return None if self._watch is None else self._watch.read()

    async def _judge_on_loop(self, state: WatchedState, call: ScriptedCall) -> Verdict:
        """The verdict when only rate limits are scripted (or nothing): the request counted
        from the event loop; a 429 raised."""
        if not state.rate_limits:
            return _UNSCRIPTED
        rules = watched_rate_limits(state, call)
        now = time.time()
        counts: list[int] = []
        if rules and self._counter is not None:  # there is one wherever a watch is
            counts = await self._counter.count(windows_of(rules, now), call.caller)
        verdict = verdict_of(state, rules, counts, now)
        if verdict.failure is not None:
            raise verdict.failure
        return verdict

    def _read_on_loop(self, work: StockWork) -> bytes | None:
        """``work`` on the watch's connection; None when SQLite is busy (then a worker
        reads)."""
        if self._watch is None:
            return None
        dialect = self._dialect
        return self._watch.run(lambda connection: work(StockReader(connection, dialect)))

    def _read_unscripted(self, work: StockWork) -> bytes | None:
        """PostgreSQL's read (``app.db.read_connections``): the page and whether anything is
        scripted, in one round trip on this thread's connection; None when something is
        scripted (then the verdict comes first, on a session) or the connection failed."""
        assert self._reads is not None
        try:
            reader = StockReader(self._reads.get(), self._dialect, preamble=SCRIPTED_SQL)
            try:
                answer: bytes | None = work(reader)
            except ApiError:
                answer = None  # a bad page token, say: after the verdict, as on a session
            if reader.run_preamble():
                return None
        except self._reads.errors:
            self._reads.discard()
            return None
        return answer

    def _in_session(
        self, key: AnswerKey, work: StockWork
    ) -> Callable[[], tuple[int | None, bytes]]:
        def in_session() -> tuple[int | None, bytes]:
            with self._sessions.begin() as session:
                return self._read_in(key, work, session)

        return in_session

    def _read_in(
        self, key: AnswerKey, work: StockWork, session: Session
    ) -> tuple[int | None, bytes]:
        """The read in a worker's session: due holds ended first, the stock's version read
        before the stock (None where answers are not cached), a cached answer at that
        version used (a scripted request: its verdict needed the database, its answer not)."""
        search.end_expired_holds_if_due(session)
        if self._watch is None:
            return None, work(StockReader.of(session))
        version = stock_version(session)
        answer = self.answers.get(key, version)
        if answer is None:
            answer = work(StockReader.of(session))
        return version, answer

    async def _on_worker(self, call: Callable[[], _Result]) -> _Result:
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)
