"""``NumbersMock``: a small, typed client of the control API, on the standard library only.

Exceptions::

    NumbersMockError            anything this client raises
    ├── ServerUnreachable       no HTTP answer (server down, wrong URL, timeout)
    └── ControlApiError         the server answered with an error envelope
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final, Literal

Json = dict[str, Any]
TransportFault = Literal[
    "connection_reset",
    "empty_response",
    "random_data_then_close",
    "malformed_chunk",
    "truncated_body",
    "hang",
]
"""How ``fail_next(..., fault=...)`` breaks the connection instead of answering:
``connection_reset`` (a TCP reset before any byte), ``empty_response`` (closed, nothing sent),
``random_data_then_close`` (bytes that are not HTTP), ``malformed_chunk`` (a 200, then a broken
chunked body), ``truncated_body`` (a 200 whose body stops short of its Content-Length),
``hang`` (no answer until the client gives up, or ``hang_ms`` passes)."""
DelayDistribution = Literal["uniform", "lognormal"]
"""How ``delay(..., distribution=...)`` draws each request's delay: ``uniform`` between
``lower_ms`` and ``upper_ms``, or ``lognormal`` around ``median_ms`` with spread ``sigma``."""
# The server is local or named explicitly: never reach it through an HTTP proxy that the
# environment (http_proxy, ...) configures for other traffic.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NumbersMockError(Exception):
    """Base of every error this client raises."""


class ServerUnreachable(NumbersMockError):
    """The server did not answer over HTTP."""


class ControlApiError(NumbersMockError):
    """The server answered with the error envelope."""

    def __init__(self, status: int, code: str, message: str, fix: str | None) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (fix: {fix})" if fix else ""))
        self.status = status
        self.code = code
        self.message = message
        self.fix = fix


class _Default(Enum):
    """A default worked out from the other arguments (as httpx's ``USE_CLIENT_DEFAULT``)."""

    STATUS = "500 unless a fault is given"

    def __repr__(self) -> str:
        return self.value


_DEFAULT_STATUS: Final = _Default.STATUS
_JOURNAL_LIMIT: Final = 10_000  # the most GET /_mock/requests answers with
_SHOWN_REQUESTS: Final = 20  # the newest requests an assert_requested failure lists


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One provider request the server received (its Authorization is never stored).

    ``status`` is None when no status line was sent (a transport fault such as
    ``connection_reset``); ``fault`` names the transport fault the request met, if any.
    """

    tracking_id: str
    operation: str
    method: str
    path: str
    query: str
    status: int | None
    duration_ms: float
    received_at: str
    organization_id: str | None
    sub: str | None
    fault: str | None = None

    @classmethod
    def from_json(cls, item: Json) -> JournalEntry:
        """An entry of ``GET /_mock/requests`` (a server older than transport faults sends
        no ``fault``)."""
        return cls(
            tracking_id=item["trackingId"],
            operation=item["operation"],
            method=item["method"],
            path=item["path"],
            query=item["query"],
            status=item.get("status"),
            duration_ms=item["durationMs"],
            received_at=item["receivedAt"],
            organization_id=item["organizationId"],
            sub=item["sub"],
            fault=item.get("fault"),
        )

    def describe(self) -> str:
        """One line: operation, method, path?query, what it got, organization.

        ``searchAvailableNumbers GET /numbers/available?countryCode=US -> 200 (org acme)``;
        a transport fault shows instead of the status, or after the 200 it sent.
        """
        target = self.path + (f"?{self.query}" if self.query else "")
        outcome = " ".join(str(part) for part in (self.status, self.fault) if part is not None)
        organization = "" if self.organization_id is None else f" (org {self.organization_id})"
        return f"{self.operation} {self.method} {target} -> {outcome or '-'}{organization}"


class NumbersMock:
    """Puts a numbers-mock server into a state, scripts its failures, reads its journal.

    ``operation`` is ``"listStockItems"`` (Bird), ``"searchAvailableNumbers"`` (Pingram) or
    ``"*"`` (both). For example::

        mock = NumbersMock("http://127.0.0.1:8000", admin_key)
        mock.fail_next("searchAvailableNumbers", status=502, times=1)
        mock.fail_next("searchAvailableNumbers", fault="connection_reset", times=1)
        ...  # your client calls mock.url with mock.token(org="acme"), and retries
        assert [r.status for r in mock.requests("searchAvailableNumbers")] == [502, None, 200]
        mock.assert_requested("searchAvailableNumbers", fault="connection_reset", times=1)
    """

    def __init__(self, url: str, admin_key: str, *, timeout: float = 10.0) -> None:
        """``url``: the server's base URL; ``admin_key``: its ``NUMBERS_MOCK_ADMIN_KEY``;
        ``timeout``: seconds to wait for each control API answer."""
        self._url = url.rstrip("/")
        self._admin_key = admin_key
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"NumbersMock({self._url!r})"  # never the admin key

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. ``http://127.0.0.1:8123``."""
        return self._url

    def token(self, org: str, *, sub: str | None = None, ttl_seconds: int | None = None) -> str:
        """A bearer token both APIs accept, signed with the server's secret.

        ``org`` is its ``org`` claim: the ``organizationId`` the stock-items API lets it act
        for. ``sub`` and ``ttl_seconds`` default to the server's choice. Tokens stay valid
        across ``reset()``.
        """
        body = _without_none(organizationId=org, sub=sub, ttlSeconds=ttl_seconds)
        token: str = self._call("POST", "/_mock/tokens", body)["token"]
        return token

    def access_key(self, org: str, *, workspaces: Sequence[str] = ()) -> str:
        """A Bird access key (``Authorization: AccessKey <key>``) of organization ``org``.

        With ``workspaces`` the key may use only those workspaces. Keys are derived from the
        server's secret: they stay valid across ``reset()`` and restarts.
        """
        body = _without_none(organizationId=org, workspaces=list(workspaces) or None)
        key: str = self._call("POST", "/_mock/access-keys", body)["accessKey"]
        return key

    def fail_next(
        self,
        operation: str,
        *,
        status: int | _Default | None = _DEFAULT_STATUS,
        fault: TransportFault | None = None,
        hang_ms: int | None = None,
        times: int | None = 1,
        organization_id: str | None = None,
        code: str | None = None,
        message: str | None = None,
        fix: str | None = None,
        provider: str | None = None,
        provider_code: str | None = None,
        delay_ms: int | None = None,
        probability: float | None = None,
        distribution: DelayDistribution | None = None,
        lower_ms: int | None = None,
        upper_ms: int | None = None,
        median_ms: float | None = None,
        sigma: float | None = None,
        dribble_chunks: int | None = None,
        dribble_total_ms: int | None = None,
    ) -> str:
        """Make the next ``times`` matching requests fail (``None``: until deleted); returns
        the fault's id.

        They answer ``status`` (500 unless given), or, with ``fault``, get no answer: the
        connection breaks as that ``TransportFault`` says (``hang_ms``: when a ``hang``
        ends) and nothing is done. ``status=None`` sends no status, for a fault that only
        slows down (``delay_ms``, a ``distribution``, a dribble; see ``delay``). The server
        checks what goes together: a ``ControlApiError`` (400) says what does not.
        """
        if isinstance(status, _Default):
            status = 500 if fault is None else None
        return self._create(
            "/_mock/faults",
            operation=operation,
            status=status,
            fault=fault,
            hangMs=hang_ms,
            times=times,
            organizationId=organization_id,
            code=code,
            message=message,
            fix=fix,
            provider=provider,
            providerCode=provider_code,
            delayMs=delay_ms,
            probability=probability,
            **_slowness(
                distribution, lower_ms, upper_ms, median_ms, sigma, dribble_chunks, dribble_total_ms
            ),
        )

    def delay(
        self,
        operation: str,
        delay_ms: int | None = None,
        *,
        distribution: DelayDistribution | None = None,
        lower_ms: int | None = None,
        upper_ms: int | None = None,
        median_ms: float | None = None,
        sigma: float | None = None,
        dribble_chunks: int | None = None,
        dribble_total_ms: int | None = None,
        times: int | None = None,
        organization_id: str | None = None,
        probability: float | None = None,
    ) -> str:
        """Slow matching requests down, which then answer normally; returns the fault's id.

        ``delay_ms`` waits that long each time; a ``distribution`` draws each request's wait
        (reproducibly, from the server's seed) instead: ``"uniform"`` between ``lower_ms``
        and ``upper_ms``, or ``"lognormal"`` around ``median_ms`` with spread ``sigma`` (0:
        always the median). ``dribble_chunks`` and ``dribble_total_ms`` send the answer's
        body in that many pieces over that long. Any of them together; ``times``: only the
        next so many requests (default: until deleted).
        """
        return self._create(
            "/_mock/faults",
            operation=operation,
            delayMs=delay_ms,
            times=times,
            organizationId=organization_id,
            probability=probability,
            **_slowness(
                distribution, lower_ms, upper_ms, median_ms, sigma, dribble_chunks, dribble_total_ms
            ),
        )

    def faults(self) -> list[Json]:
        """The scripted faults, as the server describes them."""
        faults: list[Json] = self._call("GET", "/_mock/faults")["faults"]
        return faults

    def delete_fault(self, fault_id: str) -> None:
        """Stop one fault (by the id ``fail_next`` or ``delay`` returned)."""
        self._call("DELETE", f"/_mock/faults/{urllib.parse.quote(fault_id, safe='')}")

    def clear_faults(self) -> None:
        """Stop every fault."""
        self._call("DELETE", "/_mock/faults")

    def rate_limit(
        self,
        operation: str,
        limit: int,
        window_seconds: int,
        *,
        organization_id: str | None = None,
    ) -> str:
        """Answer 429 beyond ``limit`` requests per ``window_seconds``; returns the id."""
        return self._create(
            "/_mock/rate-limits",
            operation=operation,
            limit=limit,
            windowSeconds=window_seconds,
            organizationId=organization_id,
        )

    def add_numbers(
        self,
        country_code: str | None = None,
        type: str | None = None,
        count: int | None = None,
        *,
        area_code: str | None = None,
        features: list[str] | None = None,
        numbers: list[Json] | None = None,
    ) -> list[Json]:
        """Add stock: ``count`` generated numbers of a country and type, or explicit
        ``numbers`` (``[{"numberString": "+14155550123", ...}]``); returns them."""
        if numbers is not None:
            body: Json = {"numbers": numbers}
        else:
            body = _without_none(
                countryCode=country_code,
                type=type,
                count=count,
                areaCode=area_code,
                features=features,
            )
        added: list[Json] = self._call("POST", "/_mock/numbers", body)["numbers"]
        return added

    def purchase(
        self,
        number: str,
        organization_id: str,
        *,
        provider: str | None = None,
        workspace_id: str | None = None,
    ) -> Json:
        """Take ``number`` (E.164) out of stock for an organization, in both APIs.

        With ``provider="pingram"`` the account ``organization_id`` owns it (Pingram's
        ``GET /numbers/list`` shows it); with ``provider="bird"`` and ``workspace_id`` it is a
        long code number of that workspace.
        """
        path = f"/_mock/numbers/{urllib.parse.quote(number, safe='')}/purchase"
        body = _without_none(
            organizationId=organization_id, provider=provider, workspaceId=workspace_id
        )
        return self._call("POST", path, body)

    def number(self, number: str) -> Json:
        """One number of the inventory with its status and owner (``owner`` is None unless
        bought through a provider API)."""
        return self._call("GET", f"/_mock/numbers/{urllib.parse.quote(number, safe='')}")

    def owned_numbers(
        self,
        *,
        organization_id: str | None = None,
        provider: str | None = None,
        workspace_id: str | None = None,
        limit: int = 1000,
    ) -> list[Json]:
        """Numbers out of stock (sold, or released and held) with their owners, by number;
        a cancelled Bird number's ``owner`` has its ``cancelledAt`` and ``deprovisionAt``."""
        query = urllib.parse.urlencode(
            _without_none(
                organizationId=organization_id,
                provider=provider,
                workspaceId=workspace_id,
                limit=limit,
            )
        )
        numbers: list[Json] = self._call("GET", f"/_mock/numbers?{query}")["numbers"]
        return numbers

    def clock(self) -> Json:
        """The mock clock: ``now``, ``offsetSeconds``, ``frozen``."""
        return self._call("GET", "/_mock/clock")

    def advance_clock(self, duration: str | float) -> Json:
        """Move the mock clock forward: an ISO 8601 duration (``"P14D"``) or seconds."""
        return self._call("POST", "/_mock/clock", {"advance": duration})

    def set_clock(self, instant: str, *, frozen: bool = False) -> Json:
        """Set the mock clock to ``instant`` (ISO 8601 with offset); ``frozen`` stops it."""
        return self._call("POST", "/_mock/clock", {"now": instant, "frozen": frozen})

    def release(self, number: str) -> Json:
        """Put a purchased number back into stock."""
        path = f"/_mock/numbers/{urllib.parse.quote(number, safe='')}/release"
        return self._call("POST", path)

    def delete_number(self, number: str) -> None:
        """Remove ``number`` from the inventory (a reset brings seeded numbers back)."""
        self._call("DELETE", f"/_mock/numbers/{urllib.parse.quote(number, safe='')}")

    def requests(
        self,
        operation: str | None = None,
        *,
        organization_id: str | None = None,
        status: int | None = None,
        fault: TransportFault | None = None,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """The provider requests the server received, oldest first (the order they arrived),
        optionally only those of one ``operation``, organization, ``status`` or transport
        ``fault``.

        The server answers with the newest ``limit`` matching requests (its default: 1000),
        so with more than that the oldest are left out.
        """
        query = _without_none(
            operation=operation,
            organizationId=organization_id,
            status=status,
            fault=fault,
            limit=limit,
        )
        path = "/_mock/requests"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        entries = [JournalEntry.from_json(item) for item in self._call("GET", path)["requests"]]
        return list(reversed(entries))  # the HTTP journal lists newest first

    def assert_requested(
        self,
        operation: str,
        *,
        times: int | None = None,
        organization_id: str | None = None,
        status: int | None = None,
        fault: TransportFault | None = None,
    ) -> list[JournalEntry]:
        """Check that the server received matching requests: exactly ``times`` of them, or
        at least one; returns them, oldest first (WireMock's ``verify``).

        ``operation`` is an operation id or ``"*"`` (any); ``organization_id``, ``status``
        and ``fault`` narrow the match. Otherwise raises ``AssertionError`` saying what was
        expected and listing the newest requests the server did receive.
        """
        if times is not None and times < 0:
            raise ValueError(f"times must be 0 or more, not {times}")
        matching = self.requests(
            operation,
            organization_id=organization_id,
            status=status,
            fault=fault,
            limit=_JOURNAL_LIMIT,
        )
        if (len(matching) == times) if times is not None else bool(matching):
            return matching
        received = self.requests(limit=_JOURNAL_LIMIT)
        expected = _expectation(operation, times, organization_id, status, fault)
        raise AssertionError(_requested_message(expected, len(matching), received))

    def assert_not_requested(
        self,
        operation: str,
        *,
        organization_id: str | None = None,
        status: int | None = None,
        fault: TransportFault | None = None,
    ) -> None:
        """Check that the server received no matching request (``assert_requested`` with
        ``times=0``)."""
        self.assert_requested(
            operation, times=0, organization_id=organization_id, status=status, fault=fault
        )

    def clear_requests(self) -> None:
        """Empty the journal."""
        self._call("DELETE", "/_mock/requests")

    def reset(self) -> None:
        """Inventory back to the seed; faults, rate limits and the journal cleared."""
        self._call("POST", "/_mock/reset")

    def apply_scenario(self, scenario: Json) -> Json:
        """Reset to the seed, then play a scenario (a scenario file's content, as JSON)."""
        return self._call("POST", "/_mock/scenario", scenario)

    def _create(self, path: str, **fields: Any) -> str:
        """POST a fault or a rate limit (fields that are None left out); returns its id."""
        created_id: str = self._call("POST", path, _without_none(**fields))["id"]
        return created_id

    def _call(self, method: str, path: str, body: Json | None = None) -> Json:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self._url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self._admin_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with _DIRECT.open(request, timeout=self._timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _envelope_error(error) from None
        except (OSError, http.client.HTTPException) as error:  # URLError, timeouts, resets
            raise ServerUnreachable(f"{method} {self._url}{path}: {error}") from None
        if not raw:
            return {}
        try:
            answer: Json = json.loads(raw)
        except ValueError:
            raise NumbersMockError(f"{method} {self._url}{path}: not JSON: {raw[:200]!r}") from None
        return answer


def _envelope_error(error: urllib.error.HTTPError) -> ControlApiError:
    try:
        details = json.loads(error.read())["error"]
        return ControlApiError(error.code, details["code"], details["message"], details.get("fix"))
    except (ValueError, KeyError, TypeError):
        return ControlApiError(error.code, "unexpected_response", str(error), None)
    finally:
        error.close()


def _slowness(
    distribution: str | None,
    lower_ms: int | None,
    upper_ms: int | None,
    median_ms: float | None,
    sigma: float | None,
    dribble_chunks: int | None,
    dribble_total_ms: int | None,
) -> Json:
    """The ``delay`` and ``dribble`` objects of a fault, for what is given; the server says
    what is missing or does not go together."""
    delay = _without_none(
        distribution=distribution,
        lowerMs=lower_ms,
        upperMs=upper_ms,
        medianMs=median_ms,
        sigma=sigma,
    )
    dribble = _without_none(chunks=dribble_chunks, totalMs=dribble_total_ms)
    return _without_none(delay=delay or None, dribble=dribble or None)


def _expectation(
    operation: str,
    times: int | None,
    organization_id: str | None,
    status: int | None,
    fault: str | None,
) -> str:
    """``exactly 2 searchAvailableNumbers requests with org acme and fault hang``."""
    count = "at least 1" if times is None else f"exactly {times}"
    what = "" if operation == "*" else f"{operation} "
    narrowed = [
        f"{name} {value}"
        for name, value in (("org", organization_id), ("status", status), ("fault", fault))
        if value is not None
    ]
    with_ = f" with {narrowed[-1]}" if narrowed else ""
    if len(narrowed) > 1:
        with_ = f" with {', '.join(narrowed[:-1])} and {narrowed[-1]}"
    plural = "" if times in (None, 1) else "s"
    return f"{count} {what}request{plural}{with_}"


def _requested_message(expected: str, found: int, received: Sequence[JournalEntry]) -> str:
    """What ``assert_requested`` expected, what matched, and the newest requests received
    (oldest first, the last ``_SHOWN_REQUESTS``)."""
    lines = [f"Expected {expected}, found {found}."]
    if not received:
        lines.append("The server received no requests.")
        return "\n".join(lines)
    shown = received[-_SHOWN_REQUESTS:]
    many = "1 request" if len(received) == 1 else f"{len(received)} requests"
    lines.append(f"The server received {many}, oldest first:")
    if len(received) > len(shown):
        lines.append(f"  ... {len(received) - len(shown)} earlier not shown")
    lines.extend(f"  {entry.describe()}" for entry in shown)
    return "\n".join(lines)


def _without_none(**values: Any) -> Json:
    return {name: value for name, value in values.items() if value is not None}
