"""Opaque page tokens: a keyset cursor sealed with AES-SIV under a key derived from the secret.

A token carries the sort key of the next item (never an offset, so a walk neither repeats nor
skips items when stock changes under it), the operation, the organization and a digest of
the filters. Nothing in it can be read or changed without the secret; since the key derives
only from the shared secret, tokens survive restarts and any replica accepts any other's.

AES-SIV is deterministic: the same cursor seals to the same token, so the same request on the
same state answers byte for byte the same, nextPageToken included (replayable tests and
recorded fixtures). It still authenticates everything: an altered token never opens. Tokens
of version 1 (AES-GCM with a random nonce) are still opened.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import base64url
from app.errors import InvalidPageToken

MAX_PAGE_TOKEN_LENGTH = 8000
_VERSION = b"\x02"  # AES-SIV, deterministic
_GCM_VERSION = b"\x01"  # AES-GCM with a random nonce, as sealed before
_NONCE_BYTES = 12
_KEY_INFO = b"numbers-mock/page-token/v1"
_SIV_KEY_INFO = b"numbers-mock/page-token/v2"
_Row = TypeVar("_Row")
RESTART_FIX = "start again without pageToken, then follow nextPageToken from each page"


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the next page starts, and the query it belongs to."""

    operation: str
    organization_id: str
    filter_digest: str
    next_key: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KeysetWalk:
    """The page tokens of one listing: an operation, an organization and its filters.

    Callers fetch ``limit + 1`` rows from ``start``: the extra row tells whether a next page
    exists, and its key is where that page starts.
    """

    codec: PageTokenCodec
    operation: str
    organization_id: str
    filter_digest: str

    def start(self, page_token: str | None) -> tuple[str, ...] | None:
        """The key the page starts at (None: the first page); refuses a token of another
        operation, organization or filters."""
        if page_token is None:
            return None
        return self.codec.open(
            page_token,
            operation=self.operation,
            organization_id=self.organization_id,
            filter_digest=self.filter_digest,
        )

    def page(
        self, rows: list[_Row], limit: int, key_of: Callable[[_Row], tuple[str, ...]]
    ) -> tuple[list[_Row], str | None]:
        """The page of ``rows`` and the next page's token (None on the last page)."""
        if len(rows) <= limit:
            return rows, None
        cursor = PageCursor(
            self.operation, self.organization_id, self.filter_digest, key_of(rows[limit])
        )
        return rows[:limit], self.codec.seal(cursor)


def filter_digest(filters: Mapping[str, object]) -> str:
    """A stable digest of normalised filters (lists sorted by the caller); ``limit`` excluded.

    The digest of the filters' canonical JSON (sorted keys, no spaces, ASCII): tokens sealed
    by any replica or an earlier start name the same filters. orjson writes the same bytes as
    ``json.dumps(sort_keys=True, separators=(",", ":"))`` for the ASCII text, numbers and
    lists filters are, in a fraction of the time (a new query computes it on the request's
    path); anything else takes the standard library's way.
    """
    try:
        canonical: bytes | None = orjson.dumps(filters, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:  # what orjson cannot write (non-string keys, huge integers)
        canonical = None
    if canonical is None or not canonical.isascii():  # json.dumps escapes non-ASCII text
        canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(canonical).hexdigest()[:32]


class PageTokenCodec:
    def __init__(self, secret: bytes) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret)
        self._aead = AESGCM(key)
        siv_key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_SIV_KEY_INFO)
        self._siv = AESSIV(siv_key.derive(secret))

    def seal(self, cursor: PageCursor) -> str:
        # orjson: the same compact bytes json.dumps gave for these ASCII fields (the same
        # cursor seals to the same token as before), in a fraction of the time.
        payload = orjson.dumps(
            {
                "op": cursor.operation,
                "org": cursor.organization_id,
                "f": cursor.filter_digest,
                "k": cursor.next_key,
            }
        )
        sealed = _VERSION + self._siv.encrypt(payload, [_VERSION])
        return base64url.encode(sealed)

    def open(
        self,
        token: str,
        *,
        operation: str,
        organization_id: str,
        filter_digest: str,
    ) -> tuple[str, ...]:
        """Return the cursor's next key if the token is intact and belongs to this query."""
        cursor = self._unseal(token)
        if cursor.operation != operation:
            raise InvalidPageToken(
                "this pageToken was issued by another operation", fix=RESTART_FIX
            )
        if cursor.organization_id != organization_id:
            raise InvalidPageToken(
                "this pageToken was issued for another organization", fix=RESTART_FIX
            )
        if cursor.filter_digest != filter_digest:
            raise InvalidPageToken(
                "this pageToken was issued for other filters; only limit may change between pages",
                fix="repeat the filters of the first page, or " + RESTART_FIX,
            )
        return cursor.next_key

    def _unseal(self, token: str) -> PageCursor:
        if len(token) > MAX_PAGE_TOKEN_LENGTH:
            raise InvalidPageToken(
                f"pageToken is {len(token)} characters long; at most {MAX_PAGE_TOKEN_LENGTH}",
                fix=RESTART_FIX,
            )
        damaged = InvalidPageToken(
            "pageToken is not a token this server issued (truncated, altered, or sealed with "
            "another secret)",
            fix=RESTART_FIX,
        )
        sealed = base64url.decode_canonical(token)
        if sealed is None:
            raise damaged
        try:
            payload = orjson.loads(self._decrypt(sealed))
            return PageCursor(
                operation=_text(payload["op"]),
                organization_id=_text(payload["org"]),
                filter_digest=_text(payload["f"]),
                next_key=tuple(_text(part) for part in _sequence(payload["k"])),
            )
        except (InvalidTag, ValueError, KeyError, TypeError):
            # Authentic tokens always decode; anything else was never ours.
            raise damaged from None

    def _decrypt(self, sealed: bytes) -> bytes:
        """The payload of either version; ``InvalidTag`` or ``ValueError`` when not ours."""
        version, body = sealed[:1], sealed[1:]
        if version == _VERSION and len(body) > 16:  # the SIV tag
            return self._siv.decrypt(body, [_VERSION])
        if version == _GCM_VERSION and len(body) > _NONCE_BYTES:
            nonce, ciphertext = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, ciphertext, _GCM_VERSION)
        raise ValueError("not a page token")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _sequence(value: object) -> Sequence[object]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value
