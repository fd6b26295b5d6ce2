"""TokenVerifier: which tokens pass, and that each rejection names the failed check."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from app.auth import MAX_TOKEN_LENGTH, TokenVerifier, mint_token
from app.errors import InvalidToken

SECRET = "unit-test-secret-0123456789abcdef0123"
NOW = int(time.time())


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(SECRET, issuer="numbers-mock", audience="numbers-mock")


def _token(secret: str = SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    claims: dict[str, Any] = {
        "sub": "user-1",
        "org": "acme",
        "iss": "numbers-mock",
        "aud": "numbers-mock",
        "iat": NOW,
        "exp": NOW + 600,
    }
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


def test_minted_token_is_accepted(verifier: TokenVerifier) -> None:
    token = mint_token(
        SECRET, issuer="numbers-mock", audience="numbers-mock", organization_id="acme", sub="me"
    )
    principal = verifier.verify([f"Bearer {token}"], require_org=True)
    assert (principal.sub, principal.org) == ("me", "acme")


def test_scheme_is_case_insensitive(verifier: TokenVerifier) -> None:
    assert verifier.verify([f"bEaReR {_token()}"], require_org=True).org == "acme"


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ([], "no Authorization header"),
        ([f"Basic {_token()}"], "Bearer scheme"),
        (["Bearer "], "no token after Bearer"),
        (["Bearer not-a-jwt"], "not a well-formed JWT"),
        ([f"Bearer {'a' * (MAX_TOKEN_LENGTH + 1)}"], "characters long"),
        ([f"Bearer {_token()}", f"Bearer {_token()}"], "2 Authorization headers"),
        ([f"Bearer {_token(secret='another-secret-0123456789abcdef0123')}"], "signature"),
        ([f"Bearer {_token(secret=SECRET * 2, algorithm='HS512')}"], "alg 'HS512'"),
        ([f"Bearer {_token(exp=NOW - 3600)}"], "expired"),
        ([f"Bearer {_token(nbf=NOW + 3600)}"], "nbf"),
        ([f"Bearer {_token(iat=NOW + 3600)}"], "iat"),
        ([f"Bearer {_token(iss='someone-else')}"], "iss is 'someone-else'"),
        ([f"Bearer {_token(aud='someone-else')}"], "aud is 'someone-else'"),
        ([f"Bearer {_token(sub=None)}"], "no sub claim"),
        ([f"Bearer {_token(exp=None)}"], "no exp claim"),
        ([f"Bearer {_token(iss=None)}"], "no iss claim"),
        ([f"Bearer {_token(aud=None)}"], "no aud claim"),
        ([f"Bearer {_token(org=None)}"], "no org claim"),
        ([f"Bearer {_token(org=42)}"], "org claim must be a non-empty string"),
    ],
)
def test_rejections_name_the_failed_check(
    verifier: TokenVerifier, header: list[str], fragment: str
) -> None:
    with pytest.raises(InvalidToken) as raised:
        verifier.verify(header, require_org=True)
    assert fragment in raised.value.message
    assert raised.value.fix
    assert 'error="invalid_token"' in raised.value.headers["WWW-Authenticate"]


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused_in_any_capitalisation(verifier: TokenVerifier, algorithm: str) -> None:
    signed = _token()
    header, payload, _signature = signed.split(".")
    forged_header = jwt.utils.base64url_encode(
        f'{{"alg":"{algorithm}","typ":"JWT"}}'.encode()
    ).decode()
    for forged in (f"{forged_header}.{payload}.", f"{header}.{payload}."):
        with pytest.raises(InvalidToken):
            verifier.verify([f"Bearer {forged}"], require_org=True)


def test_org_is_optional_when_not_required(verifier: TokenVerifier) -> None:
    assert verifier.verify([f"Bearer {_token(org=None)}"], require_org=False).org is None


def test_small_clock_skew_is_tolerated(verifier: TokenVerifier) -> None:
    assert verifier.verify([f"Bearer {_token(nbf=NOW + 10)}"], require_org=True).sub == "user-1"
