"""``numbers-mock reset | faults | requests | numbers list | scenario apply``: drive a running
server.

These commands speak HTTP to the control API through the same client the pytest plugin uses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from app.control.scenarios import ScenarioError, load_scenario
from app.providers.registry import OPERATIONS
from app.settings import DEVELOPMENT_ADMIN_KEY
from numbers_mock_testing.client import ControlApiError, NumbersMock, ServerUnreachable

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
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The journal of provider requests, newest first."""
    entries = _call(
        url,
        admin_key,
        lambda server: server.requests(
            operation, organization_id=organization_id, status=status, limit=limit
        ),
    )
    table = Table()
    for column in ("received (UTC)", "operation", "status", "ms", "organization"):
        table.add_column(column, no_wrap=True)
    table.add_column("path?query", overflow="fold", min_width=16)  # gives way when narrow
    table.add_column("trackingId", overflow="fold")  # never cut: users copy it
    for entry in reversed(entries):  # the client gives oldest first
        target = entry.path + (f"?{entry.query}" if entry.query else "")
        table.add_row(
            entry.received_at[11:23],  # the time of day; the date rarely matters in a run
            entry.operation,
            str(entry.status),
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
    times: Annotated[int | None, typer.Option(min=1, help="Fire this often, then stop.")] = None,
    delay_ms: Annotated[
        int | None, typer.Option("--delay-ms", min=0, help="Added latency.")
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
    """Make the next matching requests fail (or slow down); prints the fault's id."""
    fault_id = _call(
        url,
        admin_key,
        lambda server: server.fail_next(
            operation,
            status=status,  # type: ignore[arg-type]
            times=times,
            organization_id=organization_id,
            code=code,
            message=message,
            fix=fix,
            provider=provider,
            provider_code=provider_code,
            delay_ms=delay_ms,
            probability=probability,
        ),
    )
    out.print(fault_id)


@faults_cli.command("list")
def faults_list(
    url: UrlOption = DEFAULT_URL, admin_key: AdminKeyOption = DEVELOPMENT_ADMIN_KEY
) -> None:
    """The scripted faults and how often each fired."""
    faults = _call(url, admin_key, lambda server: server.faults())
    table = Table()
    for column in ("operation", "organization", "status", "delayMs", "times left"):
        table.add_column(column)
    table.add_column("probability")
    table.add_column("fired")
    table.add_column("id", overflow="fold")  # never cut: users copy it
    for fault in faults:
        table.add_row(
            *(
                _cell(fault[key])
                for key in (
                    "operation",
                    "organizationId",
                    "status",
                    "delayMs",
                    "times",
                    "probability",
                    "fired",
                    "id",
                )
            )
        )
    out.print(table)


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


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
