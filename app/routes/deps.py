"""What routes take as parameters: the app context, a request session, the caller."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.auth import Principal, TokenVerifier
from app.errors import OrganizationMismatch
from app.pagination import PageTokenCodec
from app.query_params import reject_unknown_parameters
from app.settings import Settings


@dataclass(frozen=True, slots=True)
class AppContext:
    """Everything built once per app from its settings."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    verifier: TokenVerifier
    page_tokens: PageTokenCodec


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_session(context: ContextDep) -> Iterator[Session]:
    """One session per request: committed when the handler returns, rolled back on error."""
    with context.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]

# Declares the scheme in OpenAPI; the header itself is checked by TokenVerifier, which also
# refuses several Authorization headers.
_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="HS256 JWT with sub, exp, iss, aud (and org for the stock-items API); "
    "mint one with `numbers-mock token --org <organizationId>`.",
)
_BearerDeclaration = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def organization_principal(
    request: Request, context: ContextDep, _declared: _BearerDeclaration
) -> Principal:
    """The caller of an organization's API: a valid token whose org is the path's."""
    principal = context.verifier.verify(request.headers.getlist("authorization"), require_org=True)
    organization_id = request.path_params.get("organizationId")
    if principal.org != organization_id:
        raise OrganizationMismatch(
            f"the token is for organization {principal.org!r}, not {organization_id!r}",
            fix=f"call /organizations/{principal.org}/... or mint a token with "
            f"`numbers-mock token --org {organization_id}`",
        )
    return principal


def token_principal(
    request: Request, context: ContextDep, _declared: _BearerDeclaration
) -> Principal:
    """The caller of an API without organizations in its paths: any valid token."""
    return context.verifier.verify(request.headers.getlist("authorization"), require_org=False)


OrganizationPrincipalDep = Annotated[Principal, Depends(organization_principal)]
TokenPrincipalDep = Annotated[Principal, Depends(token_principal)]


def known_parameters(
    allowed: Collection[str],
    *,
    repeatable: Collection[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> Callable[[Request], None]:
    """A dependency refusing unknown query parameters (declare it after the principal)."""

    def check(request: Request) -> None:
        reject_unknown_parameters(
            request.query_params.multi_items(),
            allowed=allowed,
            repeatable=repeatable,
            aliases=aliases,
        )

    return check
