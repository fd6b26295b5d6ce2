"""``numbers-mock reset | faults | requests | numbers list | scenario apply``: drive a running
server.

These commands speak HTTP to the control API through the same client the pytest plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar, cast

import typer
from rich.console import Console
from rich.table import Table

from app.control.scenarios import ScenarioError, load_scenario
from app.providers.registry import OPERATIONS
from app.scripting.script import DELAY_DISTRIBUTIONS, TRANSPORT_FAULTS
from app.settings import DEVELOPMENT_ADMIN_KEY
from numbers_mock_testing.client import (
    ControlApiError,
    DelayDistribution,
    NumbersMock,
    ServerUnreachable,
    TransportFault,
)

out = Console()
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

UrlOption = Annotated[
    str, typer.Option("--url", envvar="NUMBERS_MOCK_URL", help="The running server.")
]
AdminKeyOption = Annotated[
    str,
    typer.Option(
        "--admin-key",
        envvar="NUMBERS_MOCK_ADMIN_KEY",
        help="Its NUMBERS_MOCK_ADMIN_KEY (default: the development key).",
        show_default=False,
    ),
]
DEFAULT_URL = "http://127.0.0.1:8000"
_FAULTS = ", ".join(TRANSPORT_FAULTS)


def _one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """An option's check that its value is one of ``choices`` (typer takes a Literal as
    choices only from 0.19; the project allows older)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


faults_cli = typer.Typer(help="Script failures of a running server.", no_args_is_help=True)
scenario_cli = typer.Typer(help="Scenario files.", no_args_is_help=True)
numbers_cli = typer.Typer(help="Numbers bought from the stock.", no_args_is_help=True)


def register(cli: typer.Typer) -> None:
    cli.command(name="reset")(reset)
    cli.command(name="requests")(requests)
    cli.add_typer(faults_cli, name="faults")
    cli.add_typer(numbers_cli, name="numbers")
    cli.add_typer(scenario_cli, name="scenario")


def reset(url: UrlOption = DEFAULT_URL, admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY) -> None:
    """Inventory back to the seed; faults, rate limits and journal cleared."""
    _call(url, admin_key, lambda server: server.reset())
    err.print(f"reset {url}")


def requests(
    url: UrlOption = DEFAULT_URL,
    admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY,
    operation: Annotated[str | None, typer.Option(help=f"One of {', '.join(OPERATIONS)}.")] = None,
    organization_id: Annotated[str | None, typer.Option("--organization-id")] = None,
    status: Annotated[int | None, typer.Option(help="Only this status.")] = None,
    fault: Annotated[
        str | None,
        typer.Option(
            callback=_one_of(TRANSPORT_FAULTS),
            help=f"Only the requests that met this transport fault: {_FAULTS}.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The journal of provider requests, newest first."""
    entries = _call(
        url,
        admin_key,
        lambda server: server.requests(
            operation,
            organization_id=organization_id,
            status=status,
            fault=cast("TransportFault | None", fault),  # checked by _one_of
            limit=limit,
        ),
    )
    table = Table()
    for column in ("received (UTC)", "operation", "status", "fault", "ms", "organization"):
        table.add_column(column, no_wrap=True)
    table.add_column("path?query", overflow="fold", min_width=16)  # gives way when narrow
    table.add_column("trackingId", overflow="fold")  # never cut: users copy it
    for entry in reversed(entries):  # the client gives oldest first
        target = entry.path + (f"?{entry.query}" if entry.query else "")
        table.add_row(
            entry.received_at[11:23],  # the time of day; the date rarely matters in a run
            entry.operation,
            "-" if entry.status is None else str(entry.status),  # None: no status line sent
            _cell(entry.fault),
            f"{entry.duration_ms:.1f}",
            entry.organization_id or "",
            target,
            entry.tracking_id,
        )
    out.print(table)


@faults_cli.command("add")
def faults_add(
    operation: Annotated[
        str, typer.Option(help=f"One of {', '.join(OPERATIONS)}, or * for all of them.")
    ],
    status: Annotated[int | None, typer.Option(help="Status to answer with (400-599).")] = None,
    fault: Annotated[
        str | None,
        typer.Option(
            callback=_one_of(TRANSPORT_FAULTS),
            help=f"Break the connection instead of answering (nothing is done): {_FAULTS}.",
            show_default=False,
        ),
    ] = None,
    hang_ms: Annotated[
        int | None,
        typer.Option(
            "--hang-ms", min=1, help="With --fault hang: close the connection after this long."
        ),
    ] = None,
    times: Annotated[int | None, typer.Option(min=1, help="Fire this often, then stop.")] = None,
    delay_ms: Annotated[
        int | None, typer.Option("--delay-ms", min=0, help="Added latency, always the same.")
    ] = None,
    delay_distribution: Annotated[
        str | None,
        typer.Option(
            "--delay-distribution",
            callback=_one_of(DELAY_DISTRIBUTIONS),
            help="Added latency drawn for each request: uniform (--lower-ms, --upper-ms) or "
            "lognormal (--median-ms, --sigma).",
            show_default=False,
        ),
    ] = None,
    lower_ms: Annotated[
        int | None, typer.Option("--lower-ms", min=0, help="Uniform: the shortest delay.")
    ] = None,
    upper_ms: Annotated[
        int | None, typer.Option("--upper-ms", min=0, help="Uniform: the longest delay.")
    ] = None,
    median_ms: Annotated[
        float | None,
        typer.Option("--median-ms", min=0.0, help="Lognormal: half the requests wait less."),
    ] = None,
    sigma: Annotated[
        float | None,
        typer.Option(min=0.0, help="Lognormal: how long its tail is (0: always the median)."),
    ] = None,
    dribble_chunks: Annotated[
        int | None,
        typer.Option(
            "--dribble-chunks", min=1, help="Send the answer's body in this many pieces..."
        ),
    ] = None,
    dribble_total_ms: Annotated[
        int | None,
        typer.Option("--dribble-total-ms", min=0, help="...spread over this many milliseconds."),
    ] = None,
    probability: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    organization_id: Annotated[str | None, typer.Option("--organization-id")] = None,
    code: Annotated[str | None, typer.Option()] = None,
    message: Annotated[str | None, typer.Option()] = None,
    fix: Annotated[str | None, typer.Option()] = None,
    provider: Annotated[str | None, typer.Option()] = None,
    provider_code: Annotated[str | None, typer.Option("--provider-code")] = None,
    url: UrlOption = DEFAULT_URL,
    admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY,
) -> None:
    """Make the next matching requests fail, break their connection, slow down or dribble
    their answer; prints the fault's id."""
    _check_delay(delay_distribution, lower_ms, upper_ms, median_ms, sigma)
    if (dribble_chunks is None) != (dribble_total_ms is None):
        _refuse(
            "a dribble needs both --dribble-chunks and --dribble-total-ms",
            "e.g. --dribble-chunks 10 --dribble-total-ms 5000: ten pieces over five seconds",
        )
    fault_id = _call(
        url,
        admin_key,
        lambda server: server.fail_next(
            operation,
            status=status,
            times=times,
            organization_id=organization_id,
            code=code,
            message=message,
            fix=fix,
            provider=provider,
            provider_code=provider_code,
            delay_ms=delay_ms,
            probability=probability,
            fault=cast("TransportFault | None", fault),  # checked by _one_of
            hang_ms=hang_ms,
            distribution=cast("DelayDistribution | None", delay_distribution),
            lower_ms=lower_ms,
            upper_ms=upper_ms,
            median_ms=median_ms,
            sigma=sigma,
            dribble_chunks=dribble_chunks,
            dribble_total_ms=dribble_total_ms,
        ),
    )
    out.print(fault_id)


# The options each delay distribution takes (None: a fixed --delay-ms, or no delay).
_DELAY_OPTIONS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "uniform": ("--lower-ms", "--upper-ms"),
    "lognormal": ("--median-ms", "--sigma"),
}


def _check_delay(
    distribution: str | None,
    lower_ms: int | None,
    upper_ms: int | None,
    median_ms: float | None,
    sigma: float | None,
) -> None:
    """Refuses a distribution's options without it, or another distribution's."""
    given = {
        "--lower-ms": lower_ms,
        "--upper-ms": upper_ms,
        "--median-ms": median_ms,
        "--sigma": sigma,
    }
    takes = _DELAY_OPTIONS[distribution]
    stray = [name for name, value in given.items() if value is not None and name not in takes]
    missing = [name for name in takes if given[name] is None]
    choices = "--delay-distribution uniform --lower-ms 50 --upper-ms 500, or lognormal "
    choices += "--median-ms 120 --sigma 0.5"
    if stray and distribution is None:
        _refuse(f"{stray[0]} needs --delay-distribution", f"e.g. {choices}")
    if stray:
        _refuse(
            f"a {distribution} delay does not take {stray[0]}",
            f"a {distribution} delay takes {' and '.join(takes)}",
        )
    if missing:
        _refuse(
            f"a {distribution} delay needs {' and '.join(missing)}",
            f"a {distribution} delay takes {' and '.join(takes)}",
        )


@faults_cli.command("list")
def faults_list(
    url: UrlOption = DEFAULT_URL, admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY
) -> None:
    """The scripted faults and how often each fired."""
    faults = _call(url, admin_key, lambda server: server.faults())
    table = Table()
    table.add_column("operation", overflow="fold")  # never cut: users name it
    table.add_column("organization")
    table.add_column("does", overflow="fold")
    for column in ("times left", "probability", "fired"):
        table.add_column(column)
    table.add_column("id", overflow="fold")  # never cut: users copy it
    for fault in faults:
        table.add_row(
            fault["operation"],
            _cell(fault["organizationId"]),
            _does(fault),
            *(_cell(fault[key]) for key in ("times", "probability", "fired", "id")),
        )
    out.print(table)


def _does(fault: dict[str, Any]) -> str:
    """What a fault does, one effect a line: "connection_reset", "hang 2000 ms", "fail 502
    quota_exceeded", "delay 250 ms", "delay uniform 50-500 ms", "delay lognormal median
    120 ms sigma 0.5", "body in 10 chunks over 5000 ms". (A server older than transport
    faults sends no fault, delay or dribble.)"""
    effects = []
    kind = fault.get("fault")
    if kind is not None:
        effects.append(f"hang {fault['hangMs']} ms" if kind == "hang" else kind)
    if fault["status"] is not None:
        effects.append(
            " ".join(str(part) for part in ("fail", fault["status"], fault["code"]) if part)
        )
    delay = fault.get("delay")
    if fault["delayMs"] is not None:
        effects.append(f"delay {fault['delayMs']} ms")
    elif delay is not None and delay["distribution"] == "uniform":
        effects.append(f"delay uniform {delay['lowerMs']}-{delay['upperMs']} ms")
    elif delay is not None and delay["distribution"] == "lognormal":
        effects.append(f"delay lognormal median {delay['medianMs']:g} ms sigma {delay['sigma']:g}")
    elif delay is not None:  # a distribution this CLI does not know yet: as the server says it
        effects.append(f"delay {delay}")
    dribble = fault.get("dribble")
    if dribble is not None:
        effects.append(f"body in {dribble['chunks']} chunks over {dribble['totalMs']} ms")
    return "\n".join(effects)


@faults_cli.command("clear")
def faults_clear(
    url: UrlOption = DEFAULT_URL, admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY
) -> None:
    """Delete every scripted fault."""
    _call(url, admin_key, lambda server: server.clear_faults())
    err.print("faults cleared")


@numbers_cli.command("list")
def numbers_list(
    url: UrlOption = DEFAULT_URL,
    admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY,
    organization_id: Annotated[str | None, typer.Option("--organization-id")] = None,
    provider: Annotated[str | None, typer.Option(help="bird or pingram.")] = None,
    workspace_id: Annotated[str | None, typer.Option("--workspace-id")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
) -> None:
    """Numbers out of stock with their owners: bought, released and held (until its hold
    ends), or cancelled (until its deprovisionAt); times on the mock clock."""
    numbers = _call(
        url,
        admin_key,
        lambda server: server.owned_numbers(
            organization_id=organization_id,
            provider=provider,
            workspace_id=workspace_id,
            limit=limit,
        ),
    )
    table = Table()
    for column in ("number", "status", "provider", "owner", "workspace", "bought"):
        table.add_column(column, no_wrap=True)
    table.add_column("back in stock at", no_wrap=True)
    for number in numbers:
        owner = number["owner"] or {}
        table.add_row(
            number["numberString"],
            _lifecycle_status(number),
            _cell(owner.get("provider")),
            _cell(owner.get("organizationId") or number["purchasedBy"]),
            _cell(owner.get("workspaceId")),
            _cell(owner.get("createdAt")),
            _cell(owner.get("deprovisionAt") or owner.get("holdEndsAt")),
        )
    out.print(table)


def _lifecycle_status(number: dict[str, Any]) -> str:
    owner = number["owner"] or {}
    if owner.get("deprovisionAt"):
        return "cancelled"
    if owner.get("releasedAt"):
        return "released"
    return str(number["status"])


@scenario_cli.command("apply")
def scenario_apply(
    file: Annotated[Path, typer.Argument(help="The scenario's YAML file.")],
    url: UrlOption = DEFAULT_URL,
    admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY,
) -> None:
    """Reset the running server to its seed, then play the scenario."""
    try:
        scenario = load_scenario(file)
    except ScenarioError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    body = scenario.model_dump(mode="json", exclude_none=True)
    result = _call(url, admin_key, lambda server: server.apply_scenario(body))
    err.print(f"scenario {file} applied to {url}: {result}")


def _call(url: str, admin_key: str, action: Callable[[NumbersMock], T]) -> T:
    try:
        return action(NumbersMock(url, admin_key))
    except ServerUnreachable as exc:
        err.print(f"[red]cannot reach numbers-mock at {url}[/red]: {exc}")
        err.print("start it with `numbers-mock serve`, or pass --url / NUMBERS_MOCK_URL")
        raise typer.Exit(1) from None
    except ControlApiError as exc:
        err.print(f"[red]{exc.status} {exc.code}[/red]: {exc.message}")
        if exc.fix:
            err.print(f"fix: {exc.fix}")
        raise typer.Exit(1) from None


def _refuse(message: str, fix: str) -> NoReturn:
    """A command line this command cannot send: said as the server says its errors."""
    err.print(f"[red]{message}[/red]")
    err.print(f"fix: {fix}")
    raise typer.Exit(2)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
