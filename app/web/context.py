"""What every route may take: the app's context (built once from its settings) and a
request-scoped session.

Each dependency names what it needs (``Annotated`` aliases), so nothing depends on the order
in which a route declares its parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.auth.access_keys import AccessKeyCodec
from app.auth.tokens import TokenVerifier
from app.journal.writer import GroupCommitWriter
from app.page_tokens import PageTokenCodec
from app.settings import Settings
from app.web.read_path import ReadPath


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything built once per app from its settings."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    verifier: TokenVerifier
    page_tokens: PageTokenCodec
    access_keys: AccessKeyCodec
    journal: GroupCommitWriter
    read_path: ReadPath


# The dependencies of the provider routes are `async def`: they only compute, and a sync
# dependency costs a trip to the thread pool (as long as the whole search) per request.
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def flush_journal(context: ContextDep) -> None:
    """Before a route reads or clears the journal: every request answered so far is in it."""
    await context.journal.flush()


def get_session(context: ContextDep) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error."""
    with context.sessions.begin() as session:
        yield session


# scope="function": commit before the response leaves. The default ("request") commits after
# it is sent, so a client could read its own write back stale, and a failed commit would
# never reach it.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
