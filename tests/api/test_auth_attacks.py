"""The JWT attack catalogue against both provider APIs, under every kind of verification.

Each server configuration (the HS256 secret alone, an RSA or EC public key in a PEM file, a
JWKS of two keys, an RSA key with HS256 opted in) gets every attack that applies to it, on
both APIs: each must end in the 401 envelope, with the RFC 6750 challenge and a message that
names the failed check. None may be accepted, and no attack may make the server open a
connection (``jku``, ``x5u``, ``kid`` and an embedded ``jwk`` are never followed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import TEST_SECRET, DatabaseFactory, make_settings
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error, wait_until

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Headers = list[tuple[str, str]]

APIS = {
    "stock-items": STOCK_ITEMS + "?countryCodes=US",
    "available-numbers": AVAILABLE + "?countryCode=US",
}


# --- keys and servers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    """How a legitimate client of one server configuration signs its tokens."""

    algorithm: str
    key: PrivateKey | str
    kid: str | None = None
    public_pem: bytes | None = None  # what an attacker can read: the server's public key

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        headers = dict(header)
        if self.kid is not None:
            headers.setdefault("kid", self.kid)
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers=headers or None)

    def sign_raw(self, payload: bytes) -> str:
        headers = {"kid": self.kid} if self.kid is not None else None
        return jwt.api_jws.encode(payload, self.key, algorithm=self.algorithm, headers=headers)


@dataclass(frozen=True)
class KeyMaterial:
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    attacker_key: rsa.RSAPrivateKey
    rsa_pem: Path
    ec_pem: Path
    jwks: Path


def _public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _jwk(key: PrivateKey, kid: str) -> dict[str, Any]:
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    else:
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)
    return {**jwk, "kid": kid, "use": "sig"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeyMaterial:
    """Key pairs made for this run; only the public halves are written, for the server."""
    directory = tmp_path_factory.mktemp("jwt-keys")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    material = KeyMaterial(
        rsa_key=rsa_key,
        ec_key=ec_key,
        attacker_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        rsa_pem=directory / "rsa.pem",
        ec_pem=directory / "ec.pem",
        jwks=directory / "jwks.json",
    )
    material.rsa_pem.write_bytes(_public_pem(rsa_key))
    material.ec_pem.write_bytes(_public_pem(ec_key))
    material.jwks.write_text(json.dumps({"keys": [_jwk(rsa_key, "rsa-1"), _jwk(ec_key, "ec-1")]}))
    return material


@dataclass(frozen=True)
class Server:
    """One configuration: its settings' overrides and how its legitimate clients sign."""

    overrides: Callable[[KeyMaterial], dict[str, object]]
    signer: Callable[[KeyMaterial], Signer]


SERVERS: dict[str, Server] = {
    "secret": Server(lambda _keys: {}, lambda _keys: Signer("HS256", TEST_SECRET)),
    "rsa-pem": Server(
        lambda keys: {"jwt_public_key": keys.rsa_pem},
        lambda keys: Signer("RS256", keys.rsa_key, public_pem=_public_pem(keys.rsa_key)),
    ),
    "ec-pem": Server(
        lambda keys: {"jwt_public_key": keys.ec_pem},
        lambda keys: Signer("ES256", keys.ec_key, public_pem=_public_pem(keys.ec_key)),
    ),
    "jwks": Server(
        lambda keys: {"jwt_jwks": str(keys.jwks)},
        lambda keys: Signer("ES256", keys.ec_key, kid="ec-1", public_pem=_public_pem(keys.ec_key)),
    ),
    "rsa-pem+hs256": Server(
        lambda keys: {"jwt_public_key": keys.rsa_pem, "jwt_algorithms": "RS256,HS256"},
        lambda keys: Signer("RS256", keys.rsa_key, public_pem=_public_pem(keys.rsa_key)),
    ),
}
ASYMMETRIC = ("rsa-pem", "ec-pem", "jwks", "rsa-pem+hs256")


@pytest.fixture(scope="module")
def servers(
    database_factory: DatabaseFactory, keys: KeyMaterial
) -> Iterator[dict[str, TestClient]]:
    """One app per configuration, all on one small inventory."""
    database_url = database_factory("auth_attacks")
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(
                TestClient(
                    create_app(
                        make_settings(database_url, seed_count=300, **server.overrides(keys))
                    )
                )
            )
            for name, server in SERVERS.items()
        }


# --- no network, ever ---------------------------------------------------------------------


@dataclass
class ConnectionRecorder:
    """A local port that counts connections, and the outgoing calls attempted in-process."""

    port: int
    accepted: list[object] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def recorder_port() -> Iterator[ConnectionRecorder]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    recorder = ConnectionRecorder(port=listener.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = listener.accept()
            except TimeoutError:
                continue
            recorder.accepted.append(address)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield recorder
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def network(
    recorder_port: ConnectionRecorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ConnectionRecorder]:
    """Any outgoing connection during the test is recorded (and fails), then fails the test."""
    recorder_port.accepted.clear()
    recorder_port.attempted.clear()

    def refuse(name: str) -> Callable[..., Any]:
        def refused(*args: object, **kwargs: object) -> Any:
            recorder_port.attempted.append(f"{name}{args!r}")
            raise AssertionError(f"the server tried to connect: {name}{args!r}")

        return refused

    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    yield recorder_port
    # A connection made at the very end waits in the listener's queue ahead of this last
    # one of our own (not through create_connection, refused until the test's end): once
    # the accept loop has taken ours, it has seen every connection made before it.
    with socket.socket() as last:
        last.connect(("127.0.0.1", recorder_port.port))
        ours = last.getsockname()
        wait_until(lambda: ours in recorder_port.accepted, timeout=5, what="our last connection")
    recorder_port.accepted.remove(ours)
    assert recorder_port.accepted == []
    assert recorder_port.attempted == []


# --- the catalogue ------------------------------------------------------------------------


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "user-1",
        "org": "acme",
        "iss": "numbers-mock",
        "aud": "numbers-mock",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _segment(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return jwt.utils.base64url_encode(raw).decode()


def _bearer(token: str) -> Headers:
    return [("Authorization", f"Bearer {token}")]


@dataclass(frozen=True)
class Attack:
    headers: Headers
    fragment: str  # what the 401's message must say: the check that refused it


@dataclass(frozen=True)
class Context:
    server: str
    signer: Signer
    keys: KeyMaterial
    recorder: ConnectionRecorder


def _claim_attack(fragment: str, **overrides: Any) -> Callable[[Context], Attack]:
    return lambda c: Attack(_bearer(c.signer.sign(_claims(**overrides))), fragment)


def _alg_none(spelling: str) -> Callable[[Context], Attack]:
    def attack(c: Context) -> Attack:
        token = f"{_segment({'alg': spelling, 'typ': 'JWT'})}.{_segment(_claims())}."
        return Attack(_bearer(token), f"alg {spelling!r}")

    return attack


def _signature_stripped(c: Context) -> Attack:
    header, payload, _signature = c.signer.sign(_claims()).split(".")
    return Attack(_bearer(f"{header}.{payload}."), "signature")


def _signature_segment_removed(c: Context) -> Attack:
    header, payload, _signature = c.signer.sign(_claims()).split(".")
    return Attack(_bearer(f"{header}.{payload}"), "not a well-formed JWT")


def _hs256_with_public_key(c: Context) -> Attack:
    """Key confusion: an HMAC over the token, keyed with the server's public PEM bytes."""
    assert c.signer.public_pem is not None
    header = {"alg": "HS256", "typ": "JWT"} | ({"kid": c.signer.kid} if c.signer.kid else {})
    signing_input = f"{_segment(header)}.{_segment(_claims())}"
    mac = hmac.new(c.signer.public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{jwt.utils.base64url_encode(mac).decode()}"
    # With HS256 opted in, the HMAC is checked against the secret only, and fails.
    fragment = "signature" if c.server == "rsa-pem+hs256" else "alg 'HS256'"
    return Attack(_bearer(token), fragment)


def _foreign_key(c: Context) -> Attack:
    """Signed with a key the server was never given."""
    token = jwt.encode(_claims(), c.keys.attacker_key, algorithm="RS256")
    fragment = {"secret": "alg 'RS256'", "ec-pem": "alg 'RS256'", "jwks": "no kid header"}.get(
        c.server, "signature"
    )
    return Attack(_bearer(token), fragment)


def _headers_pointing_elsewhere(c: Context) -> Attack:
    """jku, x5u, a URL as kid and an embedded jwk: all naming the attacker's key."""
    attacker_jwk = _jwk(c.keys.attacker_key, "attacker")
    header = {
        "jku": c.recorder.url("/jwks.json"),
        "x5u": c.recorder.url("/cert.pem"),
        "kid": c.recorder.url("/kid"),
        "jwk": attacker_jwk,
    }
    token = jwt.encode(_claims(), c.keys.attacker_key, algorithm="RS256", headers=header)
    fragment = {"secret": "alg 'RS256'", "ec-pem": "alg 'RS256'", "jwks": "names no key"}.get(
        c.server, "signature"
    )
    return Attack(_bearer(token), fragment)


def _kid_path_traversal(c: Context) -> Attack:
    token = jwt.encode(
        _claims(), c.keys.attacker_key, algorithm="RS256", headers={"kid": "../../../dev/null"}
    )
    fragment = {"secret": "alg 'RS256'", "ec-pem": "alg 'RS256'", "jwks": "names no key"}.get(
        c.server, "signature"
    )
    return Attack(_bearer(token), fragment)


def _kid_of_another_key_type(c: Context) -> Attack:
    """JWKS only: the EC key's kid on an RS256 token (signed with the set's own RSA key)."""
    token = jwt.encode(_claims(), c.keys.rsa_key, algorithm="RS256", headers={"kid": "ec-1"})
    return Attack(_bearer(token), "verifies only ES256")


def _no_kid_with_several_keys(c: Context) -> Attack:
    """JWKS only: a genuine ES256 token without kid, while the set holds two keys."""
    token = jwt.encode(_claims(), c.keys.ec_key, algorithm="ES256")
    return Attack(_bearer(token), "no kid header")


def _non_json_payload(payload: bytes) -> Callable[[Context], Attack]:
    return lambda c: Attack(_bearer(c.signer.sign_raw(payload)), "payload is not a JSON object")


def _huge_token(c: Context) -> Attack:
    token = c.signer.sign(_claims(padding="x" * 100_000))
    return Attack(_bearer(token), "characters long")


def _several_headers(c: Context) -> Attack:
    token = c.signer.sign(_claims())
    return Attack(_bearer(token) + _bearer(token), "2 Authorization headers")


def _malformed_header(extra: dict[str, Any]) -> Callable[[Context], Attack]:
    """Headers PyJWT refuses with a plain InvalidTokenError (once a 500 here)."""

    def attack(c: Context) -> Attack:
        header = {"alg": "HS256", "typ": "JWT", **extra}
        token = f"{_segment(header)}.{_segment(_claims())}.c2lnbmF0dXJl"
        return Attack(_bearer(token), "not a well-formed JWT")

    return attack


def _garbage(c: Context) -> Attack:
    return Attack(_bearer("eyJ.not-a.token"), "not a well-formed JWT")


NOW = int(time.time())
CATALOGUE: dict[str, Callable[[Context], Attack]] = {
    "alg-none": _alg_none("none"),
    "alg-None": _alg_none("None"),
    "alg-NONE": _alg_none("NONE"),
    "alg-nOnE": _alg_none("nOnE"),
    "signature-stripped": _signature_stripped,
    "signature-segment-removed": _signature_segment_removed,
    "hs256-signed-with-public-key": _hs256_with_public_key,
    "foreign-key": _foreign_key,
    "expired": _claim_attack("expired", exp=NOW - 3600, iat=NOW - 7200),
    "nbf-in-future": _claim_attack("its nbf is", nbf=NOW + 3600),
    "iat-far-in-future": _claim_attack("its iat is", iat=NOW + 10 * 365 * 86400),
    "iss-wrong": _claim_attack("iss is 'evil'", iss="evil"),
    "iss-missing": _claim_attack("no iss claim", iss=None),
    "aud-wrong": _claim_attack("aud is 'evil'", aud="evil"),
    "aud-missing": _claim_attack("no aud claim", aud=None),
    "sub-wrong": _claim_attack("sub claim must be a string of 1 to 256 characters", sub=42),
    "sub-empty": _claim_attack("sub claim must be a string of 1 to 256 characters", sub=""),
    "sub-missing": _claim_attack("no sub claim", sub=None),
    "exp-wrong": _claim_attack("(exp) must be an integer", exp="tomorrow"),
    "exp-missing": _claim_attack("no exp claim", exp=None),
    "org-wrong-type": _claim_attack(
        "org claim must be a string of 1 to 256 characters", org=["acme"]
    ),
    "org-missing": _claim_attack("no org claim", org=None),
    "sub-too-long": _claim_attack("sub claim must be a string of 1 to 256", sub="s" * 300),
    "org-too-long": _claim_attack("org claim must be a string of 1 to 256", org="o" * 300),
    "header-kid-not-a-string": _malformed_header({"kid": 123}),
    "header-crit-unknown": _malformed_header({"crit": ["x"]}),
    "header-crit-not-a-list": _malformed_header({"crit": "b64"}),
    "jku-x5u-kid-jwk-headers": _headers_pointing_elsewhere,
    "kid-path-traversal": _kid_path_traversal,
    "kid-of-another-key-type": _kid_of_another_key_type,
    "no-kid-with-several-keys": _no_kid_with_several_keys,
    "payload-not-json": _non_json_payload(b"not json at all"),
    "payload-json-array": _non_json_payload(b'["sub", "exp"]'),
    "token-100kb": _huge_token,
    "several-authorization-headers": _several_headers,
    "garbage": _garbage,
}
ONLY_FOR_SERVERS = {
    "hs256-signed-with-public-key": ASYMMETRIC,
    "kid-of-another-key-type": ("jwks",),
    "no-kid-with-several-keys": ("jwks",),
}
ONLY_FOR_APIS = {"org-missing": ("stock-items",)}  # the available-numbers API needs no org

ATTACKS = [
    pytest.param(server, attack, api, id=f"{server}-{attack}-{api}")
    for server in SERVERS
    for attack in CATALOGUE
    if server in ONLY_FOR_SERVERS.get(attack, SERVERS)
    for api in APIS
    if api in ONLY_FOR_APIS.get(attack, APIS)
]


@pytest.mark.parametrize(("server", "attack", "api"), ATTACKS)
def test_attack_is_refused_with_401(
    servers: dict[str, TestClient],
    keys: KeyMaterial,
    network: ConnectionRecorder,
    server: str,
    attack: str,
    api: str,
) -> None:
    signer = SERVERS[server].signer(keys)
    forged = CATALOGUE[attack](Context(server, signer, keys, network))
    response = servers[server].get(APIS[api], headers=forged.headers)
    error = assert_error(response, 401, "invalid_token")
    assert forged.fragment in error["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert "error_description=" in challenge


def test_the_catalogue_covers_every_server_and_api() -> None:
    """No attack silently drops out of the parametrisation."""
    run = {(server, attack, api) for server, attack, api in (p.values for p in ATTACKS)}
    assert {attack for _, attack, _ in run} == set(CATALOGUE)
    for server in SERVERS:
        for api in APIS:
            applicable = [
                attack
                for attack in CATALOGUE
                if server in ONLY_FOR_SERVERS.get(attack, SERVERS)
                and api in ONLY_FOR_APIS.get(attack, APIS)
            ]
            assert len(applicable) >= 27
            assert all((server, attack, api) in run for attack in applicable)


# --- what is accepted ---------------------------------------------------------------------

GENUINE = [
    pytest.param("secret", lambda k: Signer("HS256", TEST_SECRET), id="secret-HS256"),
    pytest.param("rsa-pem", lambda k: Signer("RS256", k.rsa_key), id="rsa-pem-RS256"),
    pytest.param("ec-pem", lambda k: Signer("ES256", k.ec_key), id="ec-pem-ES256"),
    pytest.param("jwks", lambda k: Signer("RS256", k.rsa_key, kid="rsa-1"), id="jwks-RS256-by-kid"),
    pytest.param("jwks", lambda k: Signer("ES256", k.ec_key, kid="ec-1"), id="jwks-ES256-by-kid"),
    pytest.param("rsa-pem+hs256", lambda k: Signer("RS256", k.rsa_key), id="rsa-pem+hs256-RS256"),
    pytest.param("rsa-pem+hs256", lambda k: Signer("HS256", TEST_SECRET), id="rsa-pem+hs256-HS256"),
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("server", "signer"), GENUINE)
def test_genuine_token_is_accepted(
    servers: dict[str, TestClient],
    keys: KeyMaterial,
    network: ConnectionRecorder,
    server: str,
    signer: Callable[[KeyMaterial], Signer],
    api: str,
) -> None:
    token = signer(keys).sign(_claims(sub="genuine"))
    response = servers[server].get(APIS[api], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("server", ["rsa-pem", "ec-pem"])
def test_urls_in_a_genuine_token_are_ignored_not_fetched(
    servers: dict[str, TestClient],
    keys: KeyMaterial,
    network: ConnectionRecorder,
    server: str,
    api: str,
) -> None:
    token = (
        SERVERS[server]
        .signer(keys)
        .sign(
            _claims(), jku=network.url("/jwks.json"), x5u=network.url("/cert.pem"), kid="anything"
        )
    )
    response = servers[server].get(APIS[api], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


def test_the_connection_recorder_sees_connections(recorder_port: ConnectionRecorder) -> None:
    """The no-network proof is only as good as the recorder: it does count a connection."""
    recorder_port.accepted.clear()
    with socket.create_connection(("127.0.0.1", recorder_port.port), timeout=2):
        pass
    wait_until(lambda: recorder_port.accepted, timeout=2, what="the recorder to accept")
    assert len(recorder_port.accepted) == 1
    recorder_port.accepted.clear()


@pytest.mark.parametrize("server", ASYMMETRIC)
def test_asymmetric_token_for_another_organization_is_forbidden(
    servers: dict[str, TestClient], keys: KeyMaterial, server: str
) -> None:
    token = SERVERS[server].signer(keys).sign(_claims(org="globex"))
    response = servers[server].get(STOCK_ITEMS, headers={"Authorization": f"Bearer {token}"})
    assert "'globex'" in assert_error(response, 403, "organization_mismatch")["message"]
