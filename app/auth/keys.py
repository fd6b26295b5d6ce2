"""The keys bearer tokens are verified with, loaded once at start from the settings' values.

Three sources: the HS256 secret (``NUMBERS_MOCK_JWT_SECRET``), one PEM public key
(``NUMBERS_MOCK_JWT_PUBLIC_KEY``) or a JWKS (``NUMBERS_MOCK_JWT_JWKS``, a file; a URL only
when ``NUMBERS_MOCK_JWT_JWKS_ALLOW_URL`` allows it, fetched here and never again). Each key
carries the algorithms it may verify, so an HS256 token can never be checked against public
key material, nor an RS256 token against an EC key. Every problem is a ``KeySetupError``
naming the variable to fix.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

HMAC_ALGORITHMS = ("HS256",)
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGORITHM_BY_CURVE = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS + RSA_ALGORITHMS + tuple(EC_ALGORITHM_BY_CURVE.values())
MIN_RSA_BITS = 2048
# A JWKS of a real identity provider is a few kilobytes; refuse to read megabytes at start.
MAX_JWKS_BYTES = 1_000_000
JWKS_FETCH_TIMEOUT_SECONDS = 10

PUBLIC_KEY_VARIABLE = "NUMBERS_MOCK_JWT_PUBLIC_KEY"
JWKS_VARIABLE = "NUMBERS_MOCK_JWT_JWKS"
ALGORITHMS_VARIABLE = "NUMBERS_MOCK_JWT_ALGORITHMS"

PublicKeyMaterial = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class KeySetupError(ValueError):
    """The verification keys cannot be loaded; the message starts with the variable to fix."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One asymmetric verification key and the algorithms it may verify."""

    material: PublicKeyMaterial
    kid: str | None
    algorithms: tuple[str, ...]
    origin: str  # where it came from, for messages: "NUMBERS_MOCK_JWT_JWKS key 'a'"

    @property
    def default_algorithm(self) -> str:
        return self.algorithms[0]

    @property
    def description(self) -> str:
        if isinstance(self.material, rsa.RSAPublicKey):
            return f"RSA {self.material.key_size} bits"
        return f"EC {self.material.curve.name}"


@dataclass(frozen=True, slots=True)
class VerificationKeys:
    """What a ``TokenVerifier`` accepts: these algorithms, with these public keys.

    ``from_jwks`` makes the ``kid`` header meaningful: a token names its key with it, and a
    token without one is accepted only when the set holds exactly one key.
    """

    algorithms: tuple[str, ...] = HMAC_ALGORITHMS
    public_keys: tuple[PublicKey, ...] = ()
    from_jwks: bool = False
    source: str = "NUMBERS_MOCK_JWT_SECRET"

    @property
    def accepts_hmac(self) -> bool:
        return any(algorithm in HMAC_ALGORITHMS for algorithm in self.algorithms)

    def describe(self) -> str:
        """One line for the startup log: which algorithms, with which keys."""
        parts = []
        asymmetric = [a for a in self.algorithms if a not in HMAC_ALGORITHMS]
        if asymmetric:
            keys = ", ".join(
                (f"kid {key.kid!r} " if key.kid is not None else "") + f"({key.description})"
                for key in self.public_keys
            )
            parts.append(f"{', '.join(asymmetric)} with {self.source}: {keys}")
        if self.accepts_hmac:
            parts.append("HS256 with NUMBERS_MOCK_JWT_SECRET")
        else:
            parts.append(
                "HS256 not accepted (tokens from `numbers-mock token` are refused; "
                f"add HS256 to {ALGORITHMS_VARIABLE} to accept them)"
            )
        return "; ".join(parts)


def load_verification_keys(
    *,
    public_key_path: Path | None = None,
    jwks: str | None = None,
    jwks_allow_url: bool = False,
    algorithms: Sequence[str] | None = None,
) -> VerificationKeys:
    """Load the configured keys and settle the accepted algorithms.

    Without ``algorithms`` they are HS256 alone when no public key is configured, else the
    algorithms of the public keys (HS256 only when listed explicitly).
    """
    if public_key_path is not None and jwks is not None:
        raise KeySetupError(
            f"{PUBLIC_KEY_VARIABLE} and {JWKS_VARIABLE} are both set; set only one of them"
        )
    public_keys: tuple[PublicKey, ...] = ()
    source = "NUMBERS_MOCK_JWT_SECRET"
    if public_key_path is not None:
        public_keys = (load_public_key_file(public_key_path),)
        source = f"the public key in {public_key_path} ({PUBLIC_KEY_VARIABLE})"
    elif jwks is not None:
        public_keys = load_jwks(jwks, allow_url=jwks_allow_url)
        source = f"{len(public_keys)} key(s) from {jwks} ({JWKS_VARIABLE})"
    accepted = _accepted_algorithms(algorithms, public_keys)
    return VerificationKeys(
        algorithms=accepted, public_keys=public_keys, from_jwks=jwks is not None, source=source
    )


def load_public_key_file(path: Path) -> PublicKey:
    """One RSA (at least 2048 bits) or EC public key from a PEM file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeySetupError(
            f"{PUBLIC_KEY_VARIABLE}: cannot read {path}: {exc.strerror or exc}"
        ) from None
    if b"PRIVATE KEY" in data:
        raise KeySetupError(
            f"{PUBLIC_KEY_VARIABLE}: {path} holds a private key; give the server the public "
            "key only (`openssl pkey -in key.pem -pubout`)"
        )
    try:
        material = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeySetupError(
            f"{PUBLIC_KEY_VARIABLE}: {path} is not a PEM public key "
            f"(-----BEGIN PUBLIC KEY-----): {exc}"
        ) from None
    origin = f"the public key in {path}"
    checked = _checked(material, PUBLIC_KEY_VARIABLE, origin)
    return PublicKey(material=checked, kid=None, algorithms=_algorithms_of(checked), origin=origin)


def load_jwks(location: str, *, allow_url: bool) -> tuple[PublicKey, ...]:
    """The RSA and EC signing keys of a JWKS file (or URL, when allowed)."""
    document = _parse_jwks_document(_read_jwks(location, allow_url=allow_url), location)
    keys: list[PublicKey] = []
    for index, entry in enumerate(document):
        key = _jwk_to_public_key(entry, index, location)
        if key is not None:
            keys.append(key)
    if not keys:
        raise KeySetupError(
            f"{JWKS_VARIABLE}: {location} holds no usable key (RSA or EC signing keys, "
            "use=sig or no use)"
        )
    kids = [key.kid for key in keys if key.kid is not None]
    if len(kids) != len(set(kids)):
        raise KeySetupError(f"{JWKS_VARIABLE}: {location} has several keys with the same kid")
    return tuple(keys)


def is_url(location: str) -> bool:
    return urllib.parse.urlsplit(location).scheme.lower() in ("http", "https")


def _read_jwks(location: str, *, allow_url: bool) -> bytes:
    if is_url(location):
        if not allow_url:
            raise KeySetupError(
                f"{JWKS_VARIABLE} is a URL; set NUMBERS_MOCK_JWT_JWKS_ALLOW_URL=true to fetch "
                "it once at start, or download it to a file"
            )
        try:
            with urllib.request.urlopen(location, timeout=JWKS_FETCH_TIMEOUT_SECONDS) as response:
                data: bytes = response.read(MAX_JWKS_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise KeySetupError(f"{JWKS_VARIABLE}: cannot fetch {location}: {exc}") from None
    else:
        try:
            with Path(location).open("rb") as file:
                data = file.read(MAX_JWKS_BYTES + 1)
        except OSError as exc:
            raise KeySetupError(
                f"{JWKS_VARIABLE}: cannot read {location}: {exc.strerror or exc}"
            ) from None
    if len(data) > MAX_JWKS_BYTES:
        raise KeySetupError(f"{JWKS_VARIABLE}: {location} is larger than {MAX_JWKS_BYTES} bytes")
    return data


def _parse_jwks_document(data: bytes, location: str) -> list[Any]:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise KeySetupError(f"{JWKS_VARIABLE}: {location} is not JSON: {exc}") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeySetupError(
            f'{JWKS_VARIABLE}: {location} is not a JWKS (a JSON object {{"keys": [...]}})'
        )
    return keys


def _jwk_to_public_key(entry: object, index: int, location: str) -> PublicKey | None:
    """The key of one JWKS member, or None when it is not an RSA or EC signing key."""
    if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
        return None
    if entry.get("use", "sig") != "sig":
        return None
    kid = entry.get("kid")
    name = f"key {kid!r}" if kid is not None else f"key #{index}"
    if kid is not None and not isinstance(kid, str):
        raise KeySetupError(f"{JWKS_VARIABLE}: {location} {name}: kid must be a string")
    declared = entry.get("alg")
    if declared is not None and declared not in SUPPORTED_ALGORITHMS:
        return None  # a key for an algorithm this server does not verify (ES256K, ...)
    try:
        material = jwt.PyJWK.from_dict(entry).key
    except jwt.PyJWTError as exc:
        raise KeySetupError(
            f"{JWKS_VARIABLE}: {location} {name} is not a valid JWK: {exc}"
        ) from None
    # A JWK with private members loads as a private key; only its public half is kept.
    if isinstance(material, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        material = material.public_key()
    if not isinstance(material, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return None
    origin = f"{JWKS_VARIABLE} {name}"
    checked = _checked(material, JWKS_VARIABLE, f"{location} {name}")
    algorithms = _algorithms_of(checked)
    if declared is not None:
        if declared not in algorithms:
            raise KeySetupError(
                f"{JWKS_VARIABLE}: {location} {name} declares alg {declared}, which its key "
                f"type cannot verify ({', '.join(algorithms)})"
            )
        algorithms = (declared,)
    return PublicKey(material=checked, kid=kid, algorithms=algorithms, origin=origin)


def _checked(material: object, variable: str, origin: str) -> PublicKeyMaterial:
    if isinstance(material, rsa.RSAPublicKey):
        if material.key_size < MIN_RSA_BITS:
            raise KeySetupError(
                f"{variable}: {origin} is an RSA key of {material.key_size} bits; at least "
                f"{MIN_RSA_BITS} are needed"
            )
        return material
    if isinstance(material, ec.EllipticCurvePublicKey):
        if material.curve.name not in EC_ALGORITHM_BY_CURVE:
            raise KeySetupError(
                f"{variable}: {origin} is an EC key on curve {material.curve.name}; "
                "P-256, P-384 and P-521 are supported"
            )
        return material
    raise KeySetupError(f"{variable}: {origin} is neither an RSA nor an EC public key")


def _algorithms_of(material: PublicKeyMaterial) -> tuple[str, ...]:
    """What a key may verify, its default first."""
    if isinstance(material, rsa.RSAPublicKey):
        return RSA_ALGORITHMS
    return (EC_ALGORITHM_BY_CURVE[material.curve.name],)


def _accepted_algorithms(
    requested: Sequence[str] | None, public_keys: Sequence[PublicKey]
) -> tuple[str, ...]:
    if requested is None:
        if not public_keys:
            return HMAC_ALGORITHMS
        return tuple(dict.fromkeys(key.default_algorithm for key in public_keys))
    if not requested:
        raise KeySetupError(f"{ALGORITHMS_VARIABLE} is empty; list at least one algorithm")
    for algorithm in requested:
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise KeySetupError(
                f"{ALGORITHMS_VARIABLE}: {algorithm!r} is not supported; choose from "
                f"{', '.join(SUPPORTED_ALGORITHMS)}"
            )
        if algorithm in HMAC_ALGORITHMS:
            continue
        if not any(algorithm in key.algorithms for key in public_keys):
            raise KeySetupError(
                f"{ALGORITHMS_VARIABLE} lists {algorithm}, but no configured key can verify it "
                f"(set {PUBLIC_KEY_VARIABLE} or {JWKS_VARIABLE} to a matching key)"
            )
    if public_keys and all(algorithm in HMAC_ALGORITHMS for algorithm in requested):
        raise KeySetupError(
            f"{ALGORITHMS_VARIABLE} lists no algorithm for the configured public key(s); add "
            f"{public_keys[0].default_algorithm} or unset the key"
        )
    return tuple(dict.fromkeys(requested))
