"""Loading verification keys: PEM files, JWKS, the accepted algorithms, startup errors."""

from __future__ import annotations

import http.server
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import ValidationError

from app.auth.keys import (
    KeySetupError,
    VerificationKeys,
    load_jwks,
    load_public_key_file,
    load_verification_keys,
)
from app.main import _build_context, _log_startup, create_app
from app.settings import Settings

SECRET = "unit-test-secret-0123456789abcdef0123"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
EC384_KEY = ec.generate_private_key(ec.SECP384R1())


def _pem(key: Any) -> bytes:
    public: Any = key.public_key()
    pem: bytes = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem


def _jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **members: Any) -> dict[str, Any]:
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    return {**jwk, **members}


def _write(path: Path, data: bytes | str | dict[str, Any]) -> Path:
    if isinstance(data, dict):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'numbers.db'}",
        jwt_secret=SECRET,
        **values,
    )


# --- PEM ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "algorithm"), [(RSA_KEY, "RS256"), (EC_KEY, "ES256"), (EC384_KEY, "ES384")]
)
def test_pem_public_key_gives_its_algorithm(tmp_path: Path, key: Any, algorithm: str) -> None:
    keys = load_verification_keys(public_key_path=_write(tmp_path / "key.pem", _pem(key)))
    assert keys.algorithms == (algorithm,)
    assert not keys.accepts_hmac
    assert keys.public_keys[0].material.public_numbers() == key.public_key().public_numbers()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        (b"hello", "is not a PEM public key"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a PEM public key"),
        (
            RSA_KEY.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "holds a private key",
        ),
        (_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)), "at least 2048"),
        (_pem(ec.generate_private_key(ec.SECP256K1())), "curve secp256k1"),
        (_pem(ed25519.Ed25519PrivateKey.generate()), "neither an RSA nor an EC"),
    ],
)
def test_bad_pem_file_names_the_variable(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KeySetupError) as raised:
        load_public_key_file(path)
    assert str(raised.value).startswith("NUMBERS_MOCK_JWT_PUBLIC_KEY: ")
    assert fragment in str(raised.value)


def test_a_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(KeySetupError, match="NUMBERS_MOCK_JWT_PUBLIC_KEY: cannot read"):
        load_public_key_file(tmp_path)


# --- JWKS --------------------------------------------------------------------------------


def test_jwks_keys_by_kid_with_their_algorithms(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "jwks.json",
        {
            "keys": [
                _jwk(RSA_KEY, kid="r", use="sig"),
                _jwk(EC_KEY, kid="e"),
                _jwk(RSA_KEY, kid="p", alg="PS256"),
                {"kty": "oct", "k": "c2VjcmV0", "kid": "symmetric"},  # never a public key
                _jwk(EC384_KEY, kid="encryption", use="enc"),
                _jwk(EC384_KEY, kid="k1", alg="ES256K"),
                "not a key",
            ]
        },
    )
    keys = load_verification_keys(jwks=str(path))
    assert [(key.kid, key.default_algorithm) for key in keys.public_keys] == [
        ("r", "RS256"),
        ("e", "ES256"),
        ("p", "PS256"),
    ]
    assert keys.algorithms == ("RS256", "ES256", "PS256")
    assert keys.from_jwks


def test_private_members_of_a_jwk_are_dropped(tmp_path: Path) -> None:
    private = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY))
    (key,) = load_jwks(str(_write(tmp_path / "jwks.json", {"keys": [private]})), allow_url=False)
    assert isinstance(key.material, rsa.RSAPublicKey)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "cannot read"),
        (b"{not json", "is not JSON"),
        ({"kty": "RSA"}, "is not a JWKS"),
        ({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}, "holds no usable key"),
        ({"keys": [_jwk(RSA_KEY, kid="a"), _jwk(EC_KEY, kid="a")]}, "same kid"),
        ({"keys": [_jwk(EC_KEY, kid="e", alg="ES384")]}, "declares alg ES384"),
        ({"keys": [_jwk(EC_KEY, kid="e", alg="RS256")]}, "not a valid JWK: Not an RSA key"),
        ({"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB"}]}, "not a valid JWK"),
        ({"keys": [_jwk(EC_KEY, kid=7)]}, "kid must be a string"),
        (b"x" * 1_000_001, "larger than"),
    ],
)
def test_bad_jwks_names_the_variable(
    tmp_path: Path, content: bytes | dict[str, Any] | None, fragment: str
) -> None:
    path = tmp_path / "jwks.json"
    if content is not None:
        _write(path, content)
    with pytest.raises(KeySetupError) as raised:
        load_jwks(str(path), allow_url=False)
    assert str(raised.value).startswith("NUMBERS_MOCK_JWT_JWKS")
    assert fragment in str(raised.value)


def test_jwks_url_is_refused_unless_allowed() -> None:
    with pytest.raises(KeySetupError, match="NUMBERS_MOCK_JWT_JWKS_ALLOW_URL=true"):
        load_jwks("https://idp.example/.well-known/jwks.json", allow_url=False)


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server answering a JWKS, and the paths it was asked for."""
    requested: list[str] = []
    body = json.dumps({"keys": [_jwk(EC_KEY, kid="e")]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", requested
    server.shutdown()
    server.server_close()
    thread.join()


def test_allowed_jwks_url_is_fetched_once_at_load(jwks_server: tuple[str, list[str]]) -> None:
    url, requested = jwks_server
    (key,) = load_jwks(url, allow_url=True)
    assert key.kid == "e"
    assert requested == ["/jwks.json"]


def test_unreachable_jwks_url_names_the_variable() -> None:
    with pytest.raises(KeySetupError, match="NUMBERS_MOCK_JWT_JWKS: cannot fetch"):
        load_jwks("http://127.0.0.1:9/jwks.json", allow_url=True)


# --- algorithms --------------------------------------------------------------------------


def test_secret_alone_means_hs256_alone() -> None:
    keys = load_verification_keys()
    assert keys == VerificationKeys()
    assert keys.algorithms == ("HS256",)


def test_hs256_alongside_a_public_key_only_when_listed(tmp_path: Path) -> None:
    path = _write(tmp_path / "key.pem", _pem(RSA_KEY))
    assert load_verification_keys(public_key_path=path).algorithms == ("RS256",)
    keys = load_verification_keys(public_key_path=path, algorithms=["RS256", "PS256", "HS256"])
    assert keys.algorithms == ("RS256", "PS256", "HS256")
    assert keys.accepts_hmac


@pytest.mark.parametrize(
    ("algorithms", "fragment"),
    [
        ([], "is empty"),
        (["RS256"], "no configured key can verify it"),
        (["ES256"], "no configured key can verify it"),
        (["HS256"], "lists no algorithm for the configured public key"),
        (["none"], "'none' is not supported"),
        (["EdDSA"], "'EdDSA' is not supported"),
    ],
)
def test_algorithms_must_match_the_keys(
    tmp_path: Path, algorithms: list[str], fragment: str
) -> None:
    rsa_pem = _write(tmp_path / "key.pem", _pem(RSA_KEY))
    public_key = None if algorithms == ["RS256"] else rsa_pem
    with pytest.raises(KeySetupError) as raised:
        load_verification_keys(public_key_path=public_key, algorithms=algorithms)
    assert str(raised.value).startswith("NUMBERS_MOCK_JWT_ALGORITHMS")
    assert fragment in str(raised.value)


def test_public_key_and_jwks_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeySetupError, match="both set"):
        load_verification_keys(public_key_path=tmp_path / "a.pem", jwks=str(tmp_path / "b"))


# --- settings and startup ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"jwt_jwks": "https://idp.example/jwks.json"}, "NUMBERS_MOCK_JWT_JWKS_ALLOW_URL=true"),
        ({"jwt_jwks": "ftp://idp.example/jwks.json"}, "file path or an http(s) URL"),
        ({"jwt_jwks": "jwks.json", "jwt_public_key": "key.pem"}, "both set"),
        ({"jwt_algorithms": "RS256,nOnE"}, "alg none"),
        ({"jwt_algorithms": "rs256"}, "'rs256' is not supported"),
        ({"jwt_algorithms": " , "}, "lists no algorithm"),
    ],
)
def test_settings_refuse(tmp_path: Path, values: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _settings(tmp_path, **values)
    assert fragment in str(raised.value)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NUMBERS_MOCK_JWT_ALGORITHMS", " RS256, HS256 ")
    monkeypatch.setenv("NUMBERS_MOCK_JWT_JWKS", "https://idp.example/jwks.json")
    monkeypatch.setenv("NUMBERS_MOCK_JWT_JWKS_ALLOW_URL", "true")
    settings = _settings(tmp_path)
    assert settings.jwt_algorithms == ("RS256", "HS256")
    assert settings.jwt_jwks == "https://idp.example/jwks.json"


def test_missing_key_file_stops_the_start(tmp_path: Path) -> None:
    settings = _settings(tmp_path, jwt_public_key=tmp_path / "missing.pem")
    with pytest.raises(KeySetupError) as raised:
        create_app(settings)
    assert str(raised.value).startswith("NUMBERS_MOCK_JWT_PUBLIC_KEY: cannot read")
    assert "missing.pem" in str(raised.value)


@pytest.mark.parametrize(
    ("values", "expected", "absent"),
    [
        ({}, ["tokens: HS256 with NUMBERS_MOCK_JWT_SECRET", "numbers-mock token --org"], []),
        (
            {"jwt_public_key": "{tmp}/key.pem"},
            ["tokens: RS256 with the public key in", "RSA 2048 bits", "HS256 not accepted"],
            ["numbers-mock token --org"],
        ),
        (
            {"jwt_jwks": "{tmp}/jwks.json", "jwt_algorithms": "ES256,HS256"},
            ["tokens: ES256 with 1 key(s) from", "kid 'e' (EC secp256r1)", "HS256 with"],
            ["HS256 not accepted"],
        ),
    ],
)
def test_startup_log_says_which_verification_is_in_use(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    values: dict[str, str],
    expected: list[str],
    absent: list[str],
) -> None:
    _write(tmp_path / "key.pem", _pem(RSA_KEY))
    _write(tmp_path / "jwks.json", {"keys": [_jwk(EC_KEY, kid="e")]})
    settings = _settings(tmp_path, **{k: v.format(tmp=tmp_path) for k, v in values.items()})
    context = _build_context(settings)
    try:
        with caplog.at_level(logging.INFO, logger="numbers_mock"):
            _log_startup(context)
    finally:
        context.engine.dispose()
    log = "\n".join(record.getMessage() for record in caplog.records)
    for fragment in expected:
        assert fragment in log
    for fragment in absent:
        assert fragment not in log
