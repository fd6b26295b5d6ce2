"""TokenVerifier: which tokens pass, and that each rejection names the failed check."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, tzinfo
from types import SimpleNamespace
from typing import Any, Self

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.auth.keys import RSA_ALGORITHMS, PublicKey, VerificationKeys
from app.auth.tokens import MAX_TOKEN_LENGTH, TokenVerifier, mint_token
from app.errors import InvalidToken

SECRET = "unit-test-secret-0123456789abcdef0123"
NOW = int(time.time())
# Tokens are built when the module is collected, and the whole suite may run for a long while
# before these tests do: a valid token lives a day.
VALID_FOR = 86_400


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(SECRET, issuer="numbers-mock", audience="numbers-mock")


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "user-1",
        "org": "acme",
        "iss": "numbers-mock",
        "aud": "numbers-mock",
        "iat": NOW,
        "exp": NOW + VALID_FOR,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _token(secret: Any = SECRET, algorithm: str = "HS256", **overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), secret, algorithm=algorithm)


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
        ([f"Bearer {_token(org=42)}"], "org claim must be a string of 1 to 256 characters"),
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


# --- asymmetric keys ---------------------------------------------------------------------

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def _public(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str | None) -> PublicKey:
    material = key.public_key()
    algorithms = ("ES256",) if isinstance(material, ec.EllipticCurvePublicKey) else RSA_ALGORITHMS
    return PublicKey(material=material, kid=kid, algorithms=algorithms, origin=f"key {kid}")


def _asymmetric_verifier(
    *keys: PublicKey, algorithms: tuple[str, ...], from_jwks: bool = False
) -> TokenVerifier:
    return TokenVerifier(
        SECRET,
        issuer="numbers-mock",
        audience="numbers-mock",
        keys=VerificationKeys(algorithms=algorithms, public_keys=keys, from_jwks=from_jwks),
    )


def _hmac_with(key: bytes, header: dict[str, Any]) -> str:
    """An HS256 token whose HMAC key is ``key``: the key-confusion forgery."""
    segments = [
        jwt.utils.base64url_encode(json.dumps(part).encode()).decode()
        for part in (
            header,
            {"sub": "x", "iss": "numbers-mock", "aud": "numbers-mock", "exp": NOW + VALID_FOR},
        )
    ]
    signing_input = ".".join(segments).encode()
    mac = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{jwt.utils.base64url_encode(mac).decode()}"


@pytest.mark.parametrize(
    ("private", "algorithm"), [(RSA_KEY, "RS256"), (RSA_KEY, "PS256"), (EC_KEY, "ES256")]
)
def test_asymmetric_token_is_accepted(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, algorithm: str
) -> None:
    verifier = _asymmetric_verifier(_public(private, None), algorithms=(algorithm,))
    token = _token(secret=private, algorithm=algorithm)
    assert verifier.verify([f"Bearer {token}"], require_org=True).sub == "user-1"
    assert not verifier.accepts_minted_tokens


@pytest.mark.parametrize(
    ("algorithms", "fragment"),
    [(("RS256",), "alg 'HS256'; this server accepts only RS256"), (("RS256", "HS256"), "secret")],
)
def test_hs256_signed_with_the_public_key_is_refused(
    algorithms: tuple[str, ...], fragment: str
) -> None:
    verifier = _asymmetric_verifier(_public(RSA_KEY, None), algorithms=algorithms)
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InvalidToken) as raised:
        verifier.verify([f"Bearer {_hmac_with(pem, {'alg': 'HS256'})}"], require_org=False)
    assert fragment in raised.value.message


def test_hs256_still_works_with_the_secret_when_listed() -> None:
    verifier = _asymmetric_verifier(_public(RSA_KEY, None), algorithms=("RS256", "HS256"))
    assert verifier.verify([f"Bearer {_token()}"], require_org=True).org == "acme"
    assert verifier.accepts_minted_tokens


def test_fix_points_to_the_identity_provider_when_hs256_is_off() -> None:
    verifier = _asymmetric_verifier(_public(RSA_KEY, None), algorithms=("RS256",))
    with pytest.raises(InvalidToken) as raised:
        verifier.verify([f"Bearer {_token()}"], require_org=True)
    assert raised.value.fix is not None
    assert "identity provider" in raised.value.fix
    assert "numbers-mock token" not in raised.value.fix


JWKS_VERIFIER = _asymmetric_verifier(
    _public(RSA_KEY, "r"), _public(EC_KEY, "e"), algorithms=("RS256", "ES256"), from_jwks=True
)


@pytest.mark.parametrize(("private", "kid"), [(RSA_KEY, "r"), (EC_KEY, "e")])
def test_jwks_key_is_chosen_by_kid(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str
) -> None:
    algorithm = "RS256" if kid == "r" else "ES256"
    token = jwt.encode(_claims(), private, algorithm=algorithm, headers={"kid": kid})
    assert JWKS_VERIFIER.verify([f"Bearer {token}"], require_org=True).sub == "user-1"


@pytest.mark.parametrize(
    ("private", "algorithm", "headers", "fragment"),
    [
        (RSA_KEY, "RS256", {"kid": "nope"}, "kid 'nope' names no key"),
        (RSA_KEY, "RS256", None, "no kid header"),
        (RSA_KEY, "RS256", {"kid": "e"}, "verifies only ES256"),
        (EC_KEY, "ES256", {"kid": "r"}, "alg 'ES256', but key r verifies only RS256"),
    ],
)
def test_jwks_kid_mismatches_are_refused(
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    algorithm: str,
    headers: dict[str, str] | None,
    fragment: str,
) -> None:
    token = jwt.encode(_claims(), private, algorithm=algorithm, headers=headers)
    with pytest.raises(InvalidToken) as raised:
        JWKS_VERIFIER.verify([f"Bearer {token}"], require_org=True)
    assert fragment in raised.value.message


def test_a_jwks_of_one_key_accepts_tokens_without_kid() -> None:
    verifier = _asymmetric_verifier(_public(EC_KEY, "e"), algorithms=("ES256",), from_jwks=True)
    token = jwt.encode(_claims(), EC_KEY, algorithm="ES256")
    assert verifier.verify([f"Bearer {token}"], require_org=True).sub == "user-1"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"not json", "payload is not a JSON object"),
        (b"[1, 2]", "payload is not a JSON object"),
        (json.dumps(_claims(sub=7)).encode(), "sub claim must be a string of 1 to 256 characters"),
        (json.dumps(_claims(sub="")).encode(), "sub claim must be a string of 1 to 256 characters"),
        (json.dumps(_claims(exp="soon")).encode(), "(exp) must be an integer"),
    ],
)
def test_malformed_payloads_name_the_problem(
    verifier: TokenVerifier, payload: bytes, fragment: str
) -> None:
    token = jwt.api_jws.encode(payload, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken) as raised:
        verifier.verify([f"Bearer {token}"], require_org=False)
    assert fragment in raised.value.message


def _move_the_clocks(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """``seconds`` pass at once for both clocks a token's expiry is read on: the verifier's
    (``time.time`` in ``app.auth.tokens``) and PyJWT's (``datetime.now`` in ``jwt.api_jwt``)."""
    real_time = time.time

    class Later(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Self:
            return cls.fromtimestamp(real_time() + seconds, tz)

    monkeypatch.setattr("app.auth.tokens.time", SimpleNamespace(time=lambda: real_time() + seconds))
    monkeypatch.setattr("jwt.api_jwt.datetime", Later)


def test_a_remembered_token_is_still_refused_once_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    strict = TokenVerifier(SECRET, issuer="numbers-mock", audience="numbers-mock", leeway_seconds=0)
    token = mint_token(
        SECRET,
        issuer="numbers-mock",
        audience="numbers-mock",
        organization_id="acme",
        ttl_seconds=1,
    )
    assert strict.verify([f"Bearer {token}"], require_org=True).org == "acme"
    assert strict.verify([f"Bearer {token}"], require_org=True).org == "acme"  # remembered
    _move_the_clocks(monkeypatch, 1.1)  # the token's second is over, without waiting for it
    with pytest.raises(InvalidToken, match="expired"):
        strict.verify([f"Bearer {token}"], require_org=True)


def test_a_remembered_token_still_gets_the_org_check(verifier: TokenVerifier) -> None:
    token = mint_token(SECRET, issuer="numbers-mock", audience="numbers-mock", organization_id=None)
    assert verifier.verify([f"Bearer {token}"], require_org=False).org is None
    with pytest.raises(InvalidToken, match="no org claim"):
        verifier.verify([f"Bearer {token}"], require_org=True)


def test_remembered_tokens_are_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = [
        mint_token(SECRET, issuer="numbers-mock", audience="numbers-mock", organization_id=org)
        for org in ("a", "b", "c", "d", "e")
    ]
    room_for_three = 3 * (2 * len(tokens[0]) + 600)
    monkeypatch.setattr("app.auth.tokens.VERIFIED_TOKENS_BYTES", room_for_three)
    verifier = TokenVerifier(SECRET, issuer="numbers-mock", audience="numbers-mock")
    for token in tokens:
        verifier.verify([f"Bearer {token}"], require_org=True)
    assert [verifier._verified.get(token) is not None for token in tokens] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert verifier._verified.bytes_used <= room_for_three
