"""Bird's access keys (``Authorization: AccessKey <key>``): stateless, sealed, deterministic.

A key is the organization and workspaces it speaks for, sealed with AES-SIV under a key
derived (HKDF-SHA256, its own ``info``) from ``NUMBERS_MOCK_JWT_SECRET``: a version byte, then
the synthetic IV and the ciphertext, in canonical base64url without padding. Nothing is
stored, so minting needs no database, keys survive restarts, any replica accepts any other's,
and the same organization and workspaces always give the same key. A key that was altered,
truncated or sealed with another secret fails AES-SIV's authentication and is refused.

Framework-free: ``app.providers.bird.auth`` turns the header into a ``Principal``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import base64url
from app.auth.identifiers import DESCRIPTION as IDENTIFIER
from app.auth.identifiers import is_identifier
from app.errors import InvalidAccessKey

# Far above any key we mint (100 workspaces of 256 characters), far below megabytes.
MAX_ACCESS_KEY_LENGTH = 4096
MAX_WORKSPACES = 100
MINT_HINT = "mint one with `numbers-mock token --access-key --org <organizationId>`"
_VERSION = b"\x01"
_KEY_INFO = b"numbers-mock/access-key/v1"
_SIV_BYTES = 16


@dataclass(frozen=True, slots=True)
class AccessKeyHolder:
    """Who a key speaks for: an organization, in these workspaces (empty: any of its own)."""

    organization_id: str
    workspaces: tuple[str, ...]


def mint_access_key(secret: str, organization_id: str, workspaces: Sequence[str] = ()) -> str:
    """A key this server (and every replica sharing ``secret``) accepts."""
    return AccessKeyCodec(secret).mint(organization_id, workspaces)


def check_identifiers(organization_id: str, workspaces: Sequence[str]) -> tuple[str, ...]:
    """The workspaces, deduplicated and sorted; ValueError naming what is wrong."""
    if not is_identifier(organization_id):
        raise ValueError(f"the organization id must be {IDENTIFIER}")
    for workspace in workspaces:
        if not is_identifier(workspace) or "/" in workspace:
            raise ValueError(f"workspace id {workspace!r} must be {IDENTIFIER}, without '/'")
    unique = tuple(sorted(set(workspaces)))
    if len(unique) > MAX_WORKSPACES:
        raise ValueError(f"a key names at most {MAX_WORKSPACES} workspaces; got {len(unique)}")
    return unique


class AccessKeyCodec:
    """Mints and opens access keys under one secret (one per app)."""

    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_KEY_INFO).derive(
            secret.encode()
        )
        self._siv = AESSIV(key)

    def mint(self, organization_id: str, workspaces: Sequence[str] = ()) -> str:
        unique = check_identifiers(organization_id, workspaces)
        payload = json.dumps(
            {"org": organization_id, "ws": list(unique)}, separators=(",", ":"), sort_keys=True
        ).encode()
        sealed = _VERSION + self._siv.encrypt(payload, [_VERSION])
        return base64url.encode(sealed)

    def open(self, key: str) -> AccessKeyHolder:
        """Who ``key`` speaks for; ``InvalidAccessKey`` naming what failed."""
        if len(key) > MAX_ACCESS_KEY_LENGTH:
            raise InvalidAccessKey(
                f"the access key is {len(key)} characters long; at most "
                f"{MAX_ACCESS_KEY_LENGTH} are accepted",
                fix=f"send the key as it was minted; {MINT_HINT}",
            )
        not_ours = InvalidAccessKey(
            "the access key is not a key this server issued (truncated, altered, or minted "
            "with another NUMBERS_MOCK_JWT_SECRET)",
            fix=f"send the key exactly as it was minted, to a server with the same secret; "
            f"{MINT_HINT}",
        )
        sealed = base64url.decode_canonical(key)
        if sealed is None or len(sealed) <= 1 + _SIV_BYTES or sealed[:1] != _VERSION:
            raise not_ours
        try:
            payload = json.loads(self._siv.decrypt(sealed[1:], [_VERSION]))
            organization_id = payload["org"]
            workspaces = payload["ws"]
            if not isinstance(organization_id, str) or not isinstance(workspaces, list):
                raise TypeError("not a key payload")
            return AccessKeyHolder(organization_id, check_identifiers(organization_id, workspaces))
        except (InvalidTag, ValueError, KeyError, TypeError):
            # Authentic keys always open; anything else was never ours.
            raise not_ours from None


def access_key(authorization: str) -> str:
    """The key of one ``Authorization: AccessKey <key>`` header value (scheme in any case)."""
    scheme, _, key = authorization.strip().partition(" ")
    if scheme.lower() != "accesskey":
        raise InvalidAccessKey(
            "the Authorization header does not use the AccessKey scheme",
            fix=f"send `Authorization: AccessKey <key>`; {MINT_HINT}",
        )
    key = key.strip()
    if not key:
        raise InvalidAccessKey(
            "the Authorization header has no key after AccessKey",
            fix=f"send `Authorization: AccessKey <key>`; {MINT_HINT}",
        )
    return key
