"""Bearer-token checks for both provider APIs: pure functions over the header values.

Tokens are JWTs signed with HS256 and ``NUMBERS_MOCK_JWT_SECRET`` by default, or with an
asymmetric key (RS256, ES256, ...) whose public half the server was given as a PEM file or a
JWKS (``app.auth.keys``). Only the configured algorithms are accepted (never ``none``), and
the key is chosen by the algorithm's family: an HS256 token is only ever checked against the
secret, never against public key material. Nothing named in a token (``jku``, ``x5u``,
``kid``) is fetched. Every rejection names the check that failed, so a developer can tell an
expired token from one signed with the wrong key.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from app.auth.identifiers import DESCRIPTION as IDENTIFIER
from app.auth.identifiers import is_identifier
from app.auth.keys import (
    ALGORITHMS_VARIABLE,
    HMAC_ALGORITHMS,
    JWKS_VARIABLE,
    PublicKey,
    PublicKeyMaterial,
    VerificationKeys,
)
from app.byte_budget import ByteBudgetCache
from app.errors import InvalidToken

# Far above any real token, far below what would let a client make us parse megabytes.
MAX_TOKEN_LENGTH = 8192
# Workspace ids a token's workspaces claim may list.
MAX_WORKSPACES = 100
REQUIRED_CLAIMS = ("sub", "exp", "iss", "aud")
MINT_HINT = "mint one with `numbers-mock token --org <organizationId>`"
IDENTITY_PROVIDER_HINT = "get one from the identity provider whose key this server was given"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token speaks for."""

    sub: str
    org: str | None
    claims: dict[str, Any]
    # Bird: the only workspaces it may use (a token's workspaces claim, an access key's
    # workspaces); empty: any workspace of its organization.
    workspaces: tuple[str, ...] = ()

    @property
    def account(self) -> str:
        """The account it speaks for (Pingram's, the journal's caller): its org claim, or its
        sub when it has none."""
        return self.org or self.sub

    @property
    def organization(self) -> str:
        """Bird's organization: its callers always have one (an access key's, or a token's
        required org claim)."""
        assert self.org is not None
        return self.org


class TokenVerifier:
    """Verifies bearer tokens against the configured keys, issuer and audience (one per app)."""

    def __init__(
        self,
        secret: str,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: int = 30,
        keys: VerificationKeys | None = None,
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._keys = keys or VerificationKeys()
        self._verified: ByteBudgetCache[str, dict[str, Any]] = ByteBudgetCache(
            VERIFIED_TOKENS_BYTES
        )
        self._hint = MINT_HINT if self._keys.accepts_hmac else IDENTITY_PROVIDER_HINT

    @property
    def algorithms(self) -> tuple[str, ...]:
        return self._keys.algorithms

    @property
    def accepts_minted_tokens(self) -> bool:
        """Whether tokens from ``mint_token`` (HS256 with the secret) pass."""
        return self._keys.accepts_hmac

    def describe(self) -> str:
        """Which verification is in use, for the startup log."""
        return self._keys.describe()

    def verify(self, authorization: Sequence[str], *, require_org: bool) -> Principal:
        """Check the ``Authorization`` header values; raise ``InvalidToken`` naming the failure."""
        token = bearer_token(authorization, hint=self._hint)
        claims = self._verified_claims(token)
        sub = claims["sub"]
        if not is_identifier(sub):
            raise InvalidToken(
                f"the token's sub claim must be a string of {IDENTIFIER}",
                fix=f"set sub; {self._hint}",
            )
        org = claims.get("org")
        if org is not None and not is_identifier(org):
            raise InvalidToken(
                f"the token's org claim must be a string of {IDENTIFIER}",
                fix=f"put the organizationId in the org claim, or {self._hint}",
            )
        if require_org and org is None:
            raise InvalidToken(
                "the token has no org claim; this API needs the organization it may act for",
                fix=f"add an org claim with the organizationId, or {self._hint}",
            )
        return Principal(
            sub=sub, org=org, claims=claims, workspaces=self._workspaces(claims.get("workspaces"))
        )

    def _workspaces(self, claim: object) -> tuple[str, ...]:
        """The optional workspaces claim: a list of workspace ids (absent: any workspace)."""
        if claim is None:
            return ()
        workspaces = [
            item for item in (claim if isinstance(claim, list) else []) if is_identifier(item)
        ]
        if not (
            isinstance(claim, list)
            and len(workspaces) == len(claim)
            and 1 <= len(claim) <= MAX_WORKSPACES
        ):
            raise InvalidToken(
                f"the token's workspaces claim must be a list of 1 to {MAX_WORKSPACES} "
                f"workspace ids, each a string of {IDENTIFIER}; got "
                f"{_describe(claim)}",
                fix="leave the claim out for any workspace of the organization, or make it a "
                "list of workspace ids"
                + (
                    " (`numbers-mock token --org <organizationId> --workspace <workspaceId>`)"
                    if self._hint == MINT_HINT
                    else ""
                ),
            )
        return tuple(dict.fromkeys(workspaces))

    def _verified_claims(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and claims check out.

        Clients send the same token with request after request; its signature, issuer and
        audience cannot change, so they are checked once. Only expiry can change with time,
        and an expired token goes through the full check again, which names the failure.
        """
        claims = self._verified.get(token)
        if claims is not None and claims["exp"] > time.time() - self._leeway:
            return claims
        algorithm, key = self._key_for(token)
        claims = self._decode(token, algorithm, key)
        self._verified.put(token, claims, 2 * len(token) + _CLAIMS_OVERHEAD)
        return claims

    def _key_for(self, token: str) -> tuple[str, str | PublicKeyMaterial]:
        """The token's algorithm, once accepted, and the one key that may verify it."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:  # DecodeError, and InvalidTokenError for a bad kid/crit
            raise InvalidToken(
                f"the bearer token is not a well-formed JWT ({exc})",
                fix=f"send a JWT (header.payload.signature, base64url); {self._hint}",
            ) from None
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._keys.algorithms:
            accepted = ", ".join(self._keys.algorithms)
            raise InvalidToken(
                f"the token is signed with alg {algorithm!r}; this server accepts only {accepted}",
                fix=f"sign the token with {accepted} (the server's {ALGORITHMS_VARIABLE}); "
                f"{self._hint}",
            )
        if algorithm in HMAC_ALGORITHMS:
            return algorithm, self._secret
        return algorithm, self._public_key(header.get("kid"), algorithm).material

    def _public_key(self, kid: object, algorithm: str) -> PublicKey:
        keys = self._keys.public_keys
        if self._keys.from_jwks and kid is not None:
            named = [key for key in keys if key.kid == kid]
            if not named:
                known = ", ".join(repr(key.kid) for key in keys if key.kid is not None)
                raise InvalidToken(
                    f"the token's kid {kid!r} names no key of the server's {JWKS_VARIABLE} "
                    f"(its kids: {known or 'none'})",
                    fix=f"sign with one of those keys and put its kid in the header; {self._hint}",
                )
            key = named[0]
        elif len(keys) == 1:
            key = keys[0]  # a PEM key, or a JWKS of one key: a kid, if any, is not needed
        else:
            raise InvalidToken(
                f"the token has no kid header, and the server's {JWKS_VARIABLE} has "
                f"{len(keys)} keys",
                fix=f"put the signing key's kid in the token header; {self._hint}",
            )
        if algorithm not in key.algorithms:
            raise InvalidToken(
                f"the token is signed with alg {algorithm!r}, but {key.origin} verifies only "
                f"{', '.join(key.algorithms)}",
                fix=f"sign with the algorithm of the key; {self._hint}",
            )
        return key

    def _decode(self, token: str, algorithm: str, key: str | PublicKeyMaterial) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise self._explain(exc, token, algorithm) from None
        return claims

    def _explain(self, exc: jwt.PyJWTError, token: str, algorithm: str) -> InvalidToken:
        unverified = _unverified_claims(token)
        if isinstance(exc, jwt.InvalidSignatureError):
            if algorithm in HMAC_ALGORITHMS:
                return InvalidToken(
                    "the token's signature does not verify with this server's secret",
                    fix=f"sign it with the server's NUMBERS_MOCK_JWT_SECRET, or {MINT_HINT}",
                )
            return InvalidToken(
                f"the token's signature does not verify with the server's {algorithm} key",
                fix=f"sign it with the private key the server's public key belongs to; "
                f"{self._hint}",
            )
        if isinstance(exc, jwt.ExpiredSignatureError):
            return InvalidToken(
                f"the token expired at {_when(unverified.get('exp'))}",
                fix=f"use a fresh token; {self._hint}"
                + (" (--ttl sets its lifetime)" if self._hint == MINT_HINT else ""),
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
                fix=f"add the {exc.claim} claim, or {self._hint}",
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
        if isinstance(exc, jwt.DecodeError) and not unverified:
            # The signature held (PyJWT checks it first), but the payload is no JSON object.
            return InvalidToken(
                f"the token's payload is not a JSON object of claims ({exc})", fix=self._hint
            )
        if isinstance(exc, jwt.exceptions.InvalidSubjectError):
            return InvalidToken(
                f"the token's sub claim must be a string of {IDENTIFIER}",
                fix=f"set sub; {self._hint}",
            )
        if isinstance(exc, jwt.DecodeError | jwt.InvalidIssuedAtError):
            return InvalidToken(f"the token's claims are malformed: {exc}", fix=self._hint)
        return InvalidToken(f"the bearer token is not acceptable: {exc}", fix=self._hint)


# Verified tokens remembered per server process: 2 MiB, a few thousand ordinary tokens (an
# entry costs the token and its decoded claims, about twice the token, plus the dict's
# overhead); the least recently used go first.
VERIFIED_TOKENS_BYTES = 2 * 1024 * 1024
_CLAIMS_OVERHEAD = 600


def mint_token(
    secret: str,
    *,
    issuer: str,
    audience: str,
    organization_id: str | None,
    sub: str = "numbers-mock-user",
    ttl_seconds: int = 3600,
    now: float | None = None,
    workspaces: Sequence[str] = (),
) -> str:
    """A token this server accepts, for the CLI and for tests (``workspaces``: the only Bird
    workspaces it may use; none: any)."""
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
    if workspaces:
        claims["workspaces"] = list(dict.fromkeys(workspaces))
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer_token(authorization: Sequence[str], *, hint: str = MINT_HINT) -> str:
    """The token of exactly one ``Authorization: Bearer <token>`` header (any case)."""
    if not authorization:
        raise InvalidToken(
            "the request has no Authorization header",
            fix=f"send `Authorization: Bearer <token>`; {hint}",
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
            fix=f"send `Authorization: Bearer <token>`; {hint}",
        )
    token = token.strip()
    if not token:
        raise InvalidToken("the Authorization header has no token after Bearer", fix=hint)
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken(
            f"the bearer token is {len(token)} characters long; at most {MAX_TOKEN_LENGTH} "
            "are accepted",
            fix=f"send a compact JWT; {hint}",
        )
    return token


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload without checks, only to explain a rejection; never trusted."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims


def _describe(value: object) -> str:
    """A claim's value in a message, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _when(timestamp: object) -> str:
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        try:
            return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            pass
    return repr(timestamp)
