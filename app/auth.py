"""Bearer-token checks for both provider APIs: pure functions over the header values.

Tokens are HS256 JWTs signed with ``NUMBERS_MOCK_JWT_SECRET``. Only the configured algorithm
is accepted (never ``none``); every rejection names the check that failed, so a developer
can tell an expired token from one signed with the wrong secret.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from app.errors import InvalidToken

# Far above any real token, far below what would let a client make us parse megabytes.
MAX_TOKEN_LENGTH = 8192
REQUIRED_CLAIMS = ("sub", "exp", "iss", "aud")
MINT_HINT = "mint one with `numbers-mock token --org <organizationId>`"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for."""

    sub: str
    org: str | None
    claims: dict[str, Any]


class TokenVerifier:
    """Verifies bearer tokens against one secret, issuer and audience (built once per app)."""

    def __init__(
        self,
        secret: str,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        algorithm: str = "HS256",
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._algorithm = algorithm

    def verify(self, authorization: Sequence[str], *, require_org: bool) -> Principal:
        """Check the ``Authorization`` header values; raise ``InvalidToken`` naming the failure."""
        token = _bearer_token(authorization)
        self._check_header(token)
        claims = self._decode(token)
        org = claims.get("org")
        if org is not None and (not isinstance(org, str) or not org):
            raise InvalidToken(
                "the token's org claim must be a non-empty string",
                fix=f"put the organizationId in the org claim, or {MINT_HINT}",
            )
        if require_org and org is None:
            raise InvalidToken(
                "the token has no org claim; this API needs the organization it may act for",
                fix=f"add an org claim with the organizationId, or {MINT_HINT}",
            )
        return Principal(sub=claims["sub"], org=org, claims=claims)

    def _check_header(self, token: str) -> None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise InvalidToken(
                f"the bearer token is not a well-formed JWT ({exc})",
                fix=f"send a JWT (header.payload.signature, base64url); {MINT_HINT}",
            ) from None
        algorithm = header.get("alg")
        if algorithm != self._algorithm:
            raise InvalidToken(
                f"the token is signed with alg {algorithm!r}; this server accepts only "
                f"{self._algorithm}",
                fix=f"sign the token with {self._algorithm}; {MINT_HINT}",
            )

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise self._explain(exc, token) from None
        return claims

    def _explain(self, exc: jwt.PyJWTError, token: str) -> InvalidToken:
        unverified = _unverified_claims(token)
        if isinstance(exc, jwt.InvalidSignatureError):
            return InvalidToken(
                "the token's signature does not verify with this server's secret",
                fix=f"sign it with the server's NUMBERS_MOCK_JWT_SECRET, or {MINT_HINT}",
            )
        if isinstance(exc, jwt.ExpiredSignatureError):
            return InvalidToken(
                f"the token expired at {_when(unverified.get('exp'))}",
                fix=f"use a fresh token; {MINT_HINT} (--ttl sets its lifetime)",
            )
        if isinstance(exc, jwt.ImmatureSignatureError):
            claim = "iat" if "(iat)" in str(exc) else "nbf"
            return InvalidToken(
                f"the token is not valid yet: its {claim} is "
                f"{_when(unverified.get(claim))}, in the future",
                fix=f"check the clock of the machine that minted it, or mint it without {claim}",
            )
        if isinstance(exc, jwt.MissingRequiredClaimError):
            return InvalidToken(
                f"the token has no {exc.claim} claim; {', '.join(REQUIRED_CLAIMS)} are required",
                fix=f"add the {exc.claim} claim, or {MINT_HINT}",
            )
        if isinstance(exc, jwt.InvalidIssuerError):
            return InvalidToken(
                f"the token's iss is {unverified.get('iss')!r}; this server expects "
                f"{self._issuer!r}",
                fix=f"set iss to {self._issuer!r} or configure NUMBERS_MOCK_JWT_ISSUER",
            )
        if isinstance(exc, jwt.InvalidAudienceError):
            return InvalidToken(
                f"the token's aud is {unverified.get('aud')!r}; this server expects "
                f"{self._audience!r}",
                fix=f"set aud to {self._audience!r} or configure NUMBERS_MOCK_JWT_AUDIENCE",
            )
        if isinstance(exc, jwt.exceptions.InvalidSubjectError | jwt.InvalidIssuedAtError):
            return InvalidToken(f"the token's claims are malformed: {exc}", fix=MINT_HINT)
        return InvalidToken(f"the bearer token is not acceptable: {exc}", fix=MINT_HINT)


def mint_token(
    secret: str,
    *,
    issuer: str,
    audience: str,
    organization_id: str | None,
    sub: str = "numbers-mock-user",
    ttl_seconds: int = 3600,
    now: float | None = None,
) -> str:
    """A token this server accepts, for the CLI and for tests."""
    issued_at = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": issuer,
        "aud": audience,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
    }
    if organization_id is not None:
        claims["org"] = organization_id
    return jwt.encode(claims, secret, algorithm="HS256")


def _bearer_token(authorization: Sequence[str]) -> str:
    if not authorization:
        raise InvalidToken(
            "the request has no Authorization header",
            fix=f"send `Authorization: Bearer <token>`; {MINT_HINT}",
        )
    if len(authorization) > 1:
        raise InvalidToken(
            f"the request has {len(authorization)} Authorization headers; send exactly one",
            fix="send a single `Authorization: Bearer <token>` header",
        )
    scheme, _, token = authorization[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidToken(
            "the Authorization header does not use the Bearer scheme",
            fix=f"send `Authorization: Bearer <token>`; {MINT_HINT}",
        )
    token = token.strip()
    if not token:
        raise InvalidToken("the Authorization header has no token after Bearer", fix=MINT_HINT)
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken(
            f"the bearer token is {len(token)} characters long; at most {MAX_TOKEN_LENGTH} "
            "are accepted",
            fix=f"send a compact JWT; {MINT_HINT}",
        )
    return token


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload without checks, only to explain a rejection; never trusted."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims


def _when(timestamp: object) -> str:
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        try:
            return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return repr(timestamp)
