"""``create_app(settings)``: wires routes, error handling and the lifespan."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app import __version__
from app.auth.access_keys import AccessKeyCodec
from app.auth.keys import load_verification_keys
from app.auth.tokens import TokenVerifier
from app.console.pages import install_console
from app.control import routes as control_routes
from app.control.scenarios import apply_scenario, load_scenario
from app.db.engine import create_db_engine, create_session_factory, describe_database, startup_lock
from app.db.migrations import upgrade_to_head
from app.db.read_connections import read_connections_for
from app.db.state_watch import state_watch_for
from app.journal.writer import GroupCommitWriter
from app.page_tokens import PageTokenCodec
from app.providers.registry import OPENAPI_TAGS, OPERATIONS, routers
from app.scripting.counts import RequestCounter
from app.settings import Settings
from app.stock import repository
from app.stock.seeding import ensure_seeded
from app.web import health
from app.web.context import AppContext
from app.web.docs import install_docs
from app.web.error_handlers import install_error_handlers
from app.web.journal import JournalMiddleware
from app.web.openapi import install_openapi
from app.web.read_path import PROVIDER_WORKERS, ReadPath
from app.web.tracking import TrackingMiddleware

logger = logging.getLogger("numbers_mock")
GC_YOUNG_THRESHOLD = 20_000

DESCRIPTION = """\
A faithful, stateful fake of two providers' Numbers APIs, served from one inventory of
real-looking numbers:

- Bird: search stock (`GET /organizations/{organizationId}/numbers-stock-items`), buy stock
  items into a workspace (`POST /workspaces/{workspaceId}/numbers-long-code`), list and read
  the workspace's long code numbers;
- Pingram: search (`GET /numbers/available`), order, list, release and list released numbers
  of the token's account.

A number bought through either API leaves both searches at once. Bird's operations take
`Authorization: AccessKey <key>` (mint one with `numbers-mock token --access-key --org <id>`)
or `Authorization: Bearer <JWT>`; Pingram's take the bearer token (mint one with
`numbers-mock token --org <organizationId>`). Every error, whatever its status, is the
envelope `{"trackingId", "error": {"code", "message", "fix", "provider", "providerCode"}}`,
and every response carries `X-Tracking-Id`.
"""


def create_app(settings: Settings | None = None, *, prepare_database: bool = True) -> FastAPI:
    """An app for ``settings`` (the environment's when omitted).

    With ``prepare_database`` the lifespan migrates the database and seeds an empty inventory.
    """
    settings = settings or Settings()
    context = _build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if prepare_database:
            await run_in_threadpool(_prepare_database, context)
        _log_startup(context)
        # Everything built so far (libphonenumber's metadata, the seed data, the routes) lives
        # as long as the process: frozen, full collections no longer walk it.
        gc.freeze()
        # A request's objects are freed by reference counting; what the collector finds is
        # the odd cycle. Collecting the young generation every 20,000 net allocations instead
        # of 700 cost about 5% of a hot request and its full passes 7 ms each (p99), measured
        # under load (the Speed issue); the garbage it leaves meanwhile is a few MB at most.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        yield
        await context.journal.flush()
        context.read_path.close()
        context.engine.dispose()

    app = FastAPI(
        title="numbers-mock",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's OpenTelemetry middleware asks the global tracer, meter and logger
        # providers whether anyone listens, on every request (3% of a varied request's
        # instructions, Speed II, callgrind); a mock's spans are noise in its users' traces.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        docs_url=None,  # served with local assets by install_docs
        redoc_url=None,
        openapi_tags=[
            *OPENAPI_TAGS,
            {"name": "Operations", "description": "For orchestrators; no auth."},
            {
                "name": "Control API",
                "description": "Script the fake from tests: stock, faults, rate limits, "
                "journal, reset. Bearer NUMBERS_MOCK_ADMIN_KEY.",
            },
        ],
    )
    app.state.context = context
    for router in routers():
        app.include_router(router)
    app.include_router(health.router)
    if settings.control_api:
        app.include_router(control_routes.router)
        install_console(app)
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    app.add_middleware(TrackingMiddleware)
    # Added last, so outermost: it journals even the 500s TrackingMiddleware renders.
    app.add_middleware(
        JournalMiddleware,
        writer=context.journal,
        operations=OPERATIONS,
    )
    return app


def create_app_from_environment() -> FastAPI:
    """The factory ``uvicorn --factory`` and ``numbers-mock serve --reload`` import."""
    return create_app(Settings())


def _build_context(settings: Settings) -> AppContext:
    engine = create_db_engine(settings.database_url)
    sessions = create_session_factory(engine)
    watch = state_watch_for(engine)  # None where answers are never cached
    secret = settings.jwt_secret.get_secret_value()
    # Keys are read here, once: a missing or broken key file stops the start (KeySetupError,
    # naming the variable) instead of failing every request.
    keys = load_verification_keys(
        public_key_path=settings.jwt_public_key,
        jwks=settings.jwt_jwks,
        jwks_allow_url=settings.jwt_jwks_allow_url,
        algorithms=settings.jwt_algorithms,
    )
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=sessions,
        verifier=TokenVerifier(
            secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_seconds=settings.jwt_leeway_seconds,
            keys=keys,
        ),
        page_tokens=PageTokenCodec(secret.encode()),
        access_keys=AccessKeyCodec(secret),
        journal=GroupCommitWriter(engine, keep=settings.journal_size),
        read_path=ReadPath(
            sessions=sessions,
            dialect=engine.dialect,
            watch=watch,
            reads=read_connections_for(engine),
            counter=None if watch is None else RequestCounter(watch, engine, PROVIDER_WORKERS),
            executor=PROVIDER_WORKERS,
            seed=settings.seed,
        ),
    )


def _prepare_database(context: AppContext) -> None:
    settings = context.settings
    with startup_lock(context.engine):
        upgrade_to_head(context.engine)
        report = ensure_seeded(context.engine, seed=settings.seed, total=settings.seed_count)
    if report.seeded:
        logger.info(
            "seeded %d numbers (seed %d) in %.1f s", report.numbers, settings.seed, report.seconds
        )
    if settings.scenario is not None:
        scenario = load_scenario(settings.scenario)
        with context.sessions() as session, session.begin():
            result = apply_scenario(session, scenario, seed=settings.seed)
        logger.info("scenario %s applied: %s", settings.scenario, result.model_dump())


def _log_startup(context: AppContext) -> None:
    settings = context.settings
    logger.info("database: %s", describe_database(settings.database_url))
    try:
        with Session(context.engine) as session:
            in_stock = repository.count_in_stock(session)
            countries = repository.count_countries_in_stock(session)
        logger.info("inventory: %d numbers in stock in %d countries", in_stock, countries)
    except OperationalError as exc:
        # Serve anyway: requests get a 503 envelope until the database is back.
        logger.warning("database unreachable at start: %s", exc.orig or exc)
    if settings.uses_development_secret and not context.verifier.accepts_minted_tokens:
        logger.warning(
            "using the development JWT secret for page tokens (bearer tokens are not HS256 "
            "here). Set NUMBERS_MOCK_JWT_SECRET (32+ bytes) for any shared environment."
        )
    elif settings.uses_development_secret:
        logger.warning(
            "USING THE DEVELOPMENT JWT SECRET: anyone can mint tokens this server accepts. "
            "Set NUMBERS_MOCK_JWT_SECRET (32+ bytes) for any shared environment."
        )
    else:
        logger.info(
            "JWT secret: %s (from NUMBERS_MOCK_JWT_SECRET)", settings.jwt_secret_fingerprint
        )
    if not settings.control_api:
        logger.info("control API: off (NUMBERS_MOCK_CONTROL_API=false)")
    elif settings.uses_development_admin_key:
        logger.warning(
            "USING THE DEVELOPMENT ADMIN KEY for the control API (/_mock): anyone can reset "
            "or script this server. Set NUMBERS_MOCK_ADMIN_KEY for any shared environment."
        )
    else:
        logger.info("control API: /_mock, admin key from NUMBERS_MOCK_ADMIN_KEY")
    logger.info(
        "tokens: %s; iss=%r aud=%r",
        context.verifier.describe(),
        settings.jwt_issuer,
        settings.jwt_audience,
    )
    if context.verifier.accepts_minted_tokens:
        logger.info("mint a token with `numbers-mock token --org <organizationId>`")
