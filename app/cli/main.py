"""``numbers-mock``: a thin command line over the same functions the app uses."""

from __future__ import annotations

import copy
import os
import signal
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.auth.access_keys import check_identifiers, mint_access_key
from app.auth.tokens import mint_token
from app.cli.remote import register
from app.control.scenarios import ScenarioError, load_scenario
from app.db.engine import create_db_engine, describe_database
from app.db.migrations import upgrade_to_head
from app.settings import Settings
from app.stock.seeding import InventoryNotEmpty, SeedReport, seed_inventory

cli = typer.Typer(
    help="A faithful, stateful fake of Bird's and Pingram's number-search APIs.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True, soft_wrap=True)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides NUMBERS_MOCK_DATABASE_URL.", show_default=False),
]
SeedOption = Annotated[
    int | None, typer.Option("--seed", help="Overrides NUMBERS_MOCK_SEED.", show_default=False)
]


def main() -> None:
    cli()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"numbers-mock {__version__}")
        raise typer.Exit()


@cli.callback()
def _root(
    _version_flag: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """numbers-mock: run `numbers-mock serve`, then `numbers-mock token --org acme`."""


# How long a stopping server waits for requests in flight before it cancels them.
GRACEFUL_SHUTDOWN_SECONDS = 5


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    database_url: DatabaseUrlOption = None,
    seed: SeedOption = None,
    count: Annotated[
        int | None,
        typer.Option(help="Numbers to seed into an empty inventory.", show_default=False),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    scenario: Annotated[
        Path | None,
        typer.Option(help="A scenario file to play after start.", show_default=False),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port (uvicorn workers); one per core. They "
            "share the database like replicas do.",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (uvicorn's access log) at info level.")
    ] = True,
) -> None:
    """Serve both APIs; migrate and seed the database on first start."""
    if scenario is not None:
        _check_scenario(scenario)
    # Flags travel as environment variables so the --reload worker process sees them too.
    _override_environment(
        NUMBERS_MOCK_DATABASE_URL=database_url,
        NUMBERS_MOCK_SEED=seed,
        NUMBERS_MOCK_SEED_COUNT=count,
        NUMBERS_MOCK_SCENARIO=scenario.resolve() if scenario else None,
    )
    settings = _load_settings()
    log_config = _log_config(log_level)
    _exit_cleanly_on_stop_signals()
    if reload and workers > 1:
        err.print("[red]--reload and --workers exclude each other[/red]")
        raise typer.Exit(2)
    from app.auth.keys import KeySetupError
    from app.main import create_app  # the server's imports are for serve only

    try:
        # Built here even for --reload and --workers, whose processes build their own: a
        # broken key setting stops the start with one message instead of one per process.
        app = create_app(settings)
    except KeySetupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": log_config,
        "log_level": log_level.lower(),
        # uvicorn formats each access-log line's arguments before the logger's level check:
        # off when the level drops info lines anyway (a few µs a request).
        "access_log": access_log and log_level.lower() in ("debug", "info", "trace"),
        # uvicorn's own HTTP protocol, with each request's connection at hand: scripted
        # transport faults break it (app.web.transport).
        "http": "app.web.transport:ConnectionAwareProtocol",
        # A stop waits this long for requests in flight, then cancels them: a scripted hang
        # or delay must not hold a stopping server for its minute.
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    if reload or workers > 1:
        # Each process imports the factory, which reads the settings from the environment.
        uvicorn.run(
            "app.main:create_app_from_environment",
            factory=True,
            reload=reload,
            reload_dirs=[str(Path(__file__).resolve().parent)] if reload else None,
            workers=workers,
            **options,
        )
        return
    uvicorn.run(app, **options)


@cli.command()
def token(
    org: Annotated[str, typer.Option("--org", help="The organizationId the token may act for.")],
    sub: Annotated[str, typer.Option(help="The token's subject.")] = "numbers-mock-user",
    ttl: Annotated[int, typer.Option(min=1, help="Lifetime in seconds.")] = 3600,
    access_key: Annotated[
        bool,
        typer.Option(
            "--access-key",
            help="Print a Bird access key (Authorization: AccessKey <key>) instead: it never "
            "expires and has no subject.",
        ),
    ] = False,
    workspace: Annotated[
        list[str] | None,
        typer.Option(
            "--workspace",
            help="A Bird workspace it may use (repeat for several); none: any workspace of "
            "the organization.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a bearer token (or a Bird access key) this server accepts (secret, issuer,
    audience from the env)."""
    settings = _load_settings()
    secret = settings.jwt_secret.get_secret_value()
    workspaces = workspace or []
    try:
        check_identifiers(org, workspaces)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    if access_key:
        if sub != "numbers-mock-user" or ttl != 3600:
            err.print("[red]--sub and --ttl are for bearer tokens; access keys never expire[/red]")
            raise typer.Exit(2)
        typer.echo(mint_access_key(secret, org, workspaces))
        return
    typer.echo(
        mint_token(
            secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            organization_id=org,
            sub=sub,
            ttl_seconds=ttl,
            workspaces=workspaces,
        )
    )


@cli.command()
def seed(
    seed: SeedOption = None,
    count: Annotated[
        int | None,
        typer.Option(
            min=1, help="Numbers in all (default: the seed data's size).", show_default=False
        ),
    ] = None,
    reset: Annotated[bool, typer.Option(help="Replace an inventory that has numbers.")] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Generate the inventory into the database, in one transaction."""
    _override_environment(NUMBERS_MOCK_DATABASE_URL=database_url, NUMBERS_MOCK_SEED=seed)
    settings = _load_settings()
    engine = create_db_engine(settings.database_url)
    total = count or settings.seed_count
    try:
        upgrade_to_head(engine)
        report = _seed_with_progress(engine, settings.seed, total, reset)
    except InventoryNotEmpty as exc:
        err.print(f"[red]{exc}[/red]; pass --reset to replace them with a new seed.")
        raise typer.Exit(1) from None
    except ValueError as exc:  # the generator: more numbers than the numbering plans hold
        err.print(f"[red]cannot seed: {exc}[/red]; ask for fewer numbers with --count.")
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        # One transaction: whatever failed, the database still has its previous inventory.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        err.print(
            f"[red]seeding failed, the previous inventory is unchanged: {reason}[/red]",
            highlight=False,
        )
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    err.print(
        f"seeded {report.numbers:,} numbers (seed {settings.seed}) into "
        f"{describe_database(settings.database_url)} in {report.seconds:.1f} s "
        f"({report.numbers_per_second:,.0f} numbers/s)"
    )


@cli.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option(help="File to write; standard output when omitted.")
    ] = None,
) -> None:
    """Print the OpenAPI document the server serves, as YAML (openapi.yaml is this output)."""
    from app.main import create_app

    document = yaml.safe_dump(
        create_app(_load_settings(), prepare_database=False).openapi(),
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    if output is None:
        typer.echo(document, nl=False)
    else:
        output.write_text(document, encoding="utf-8")


def _seed_with_progress(engine: Any, seed_value: int, total: int | None, reset: bool) -> SeedReport:
    if not err.is_terminal:
        return seed_inventory(
            engine,
            seed=seed_value,
            total=total,
            reset=reset,
            on_progress=lambda done: err.print(f"seeding: {done:,} numbers written"),
        )
    columns = (
        TextColumn("seeding"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as progress:
        task = progress.add_task("seed", total=total)
        return seed_inventory(
            engine,
            seed=seed_value,
            total=total,
            reset=reset,
            on_progress=lambda done: progress.update(task, completed=done),
        )


def _check_scenario(path: Path) -> None:
    """Refuse a broken scenario before anything starts, naming its line."""
    try:
        load_scenario(path)
    except ScenarioError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _exit_cleanly_on_stop_signals() -> None:
    """Make SIGTERM and Ctrl-C end ``serve`` with status 0 once uvicorn has drained.

    uvicorn shuts down gracefully, then re-raises the signal it caught so the default action
    (death by signal) applies; with a no-op handler in place the process returns normally,
    which is what orchestrators expect of a clean stop.
    """
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda _signum, _frame: None)


def _override_environment(**values: object) -> None:
    for name, value in values.items():
        if value is not None:
            os.environ[name] = str(value)


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            name = "NUMBERS_MOCK_" + "_".join(str(part) for part in error["loc"]).upper()
            err.print(f"[red]invalid setting {name}[/red]: {error['msg']}")
        raise typer.Exit(2) from None


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus numbers-mock's own logger on the same handler."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["numbers_mock"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    config["formatters"]["default"]["fmt"] = "%(asctime)s %(levelprefix)s %(message)s"
    return config


# The commands that drive a running server, after the local ones in --help.
register(cli)

if __name__ == "__main__":  # pragma: no cover
    main()
