"""PageTokenCodec: tokens round-trip, reveal nothing, and refuse any change or misuse."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.errors import InvalidPageToken
from app.generator.records import NumberType
from app.page_tokens import MAX_PAGE_TOKEN_LENGTH, PageCursor, PageTokenCodec, filter_digest

SECRET = b"unit-test-secret-0123456789abcdef0123"
CURSOR = PageCursor(
    operation="listStockItems",
    organization_id="acme",
    filter_digest="digest-of-us-415",
    next_key=("US", "+14155550123"),
)


def _open(codec: PageTokenCodec, token: str, **overrides: str) -> tuple[str, ...]:
    expected = {
        "operation": CURSOR.operation,
        "organization_id": CURSOR.organization_id,
        "filter_digest": CURSOR.filter_digest,
    }
    expected.update(overrides)
    return codec.open(token, **expected)


def test_round_trip_returns_the_next_key() -> None:
    codec = PageTokenCodec(SECRET)
    assert _open(codec, codec.seal(CURSOR)) == ("US", "+14155550123")


def test_another_codec_with_the_same_secret_opens_it() -> None:
    """What makes tokens survive restarts and cross replicas."""
    token = PageTokenCodec(SECRET).seal(CURSOR)
    assert _open(PageTokenCodec(SECRET), token) == CURSOR.next_key


def test_token_reveals_nothing_of_its_content() -> None:
    token = PageTokenCodec(SECRET).seal(CURSOR)
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for secret_part in (b"acme", b"+1415", b"US", b"listStockItems", b"digest"):
        assert secret_part not in decoded
    assert token.isascii()
    assert "=" not in token


def test_sealing_is_deterministic_so_replayed_pages_are_byte_identical() -> None:
    assert PageTokenCodec(SECRET).seal(CURSOR) == PageTokenCodec(SECRET).seal(CURSOR)


def test_different_cursors_seal_to_different_tokens() -> None:
    codec = PageTokenCodec(SECRET)
    other = PageCursor(CURSOR.operation, CURSOR.organization_id, CURSOR.filter_digest, ("US", "+2"))
    assert codec.seal(CURSOR) != codec.seal(other)
    assert codec.seal(CURSOR) != PageTokenCodec(SECRET + b"x").seal(CURSOR)


def test_a_token_of_the_previous_version_still_opens() -> None:
    """Version 1 sealed with AES-GCM and a random nonce; replicas of that version may still
    hand such tokens out during a rolling upgrade."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"numbers-mock/page-token/v1"
    ).derive(SECRET)
    payload = json.dumps(
        {"op": CURSOR.operation, "org": "acme", "f": CURSOR.filter_digest, "k": ["US", "+1"]}
    ).encode()
    nonce = bytes(range(12))
    sealed = b"\x01" + nonce + AESGCM(key).encrypt(nonce, payload, b"\x01")
    token = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()
    assert _open(PageTokenCodec(SECRET), token) == ("US", "+1")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"organization_id": "globex"}, "another organization"),
        ({"filter_digest": "digest-of-gb"}, "other filters"),
        ({"operation": "searchAvailableNumbers"}, "another operation"),
    ],
)
def test_token_is_bound_to_its_query(overrides: dict[str, str], fragment: str) -> None:
    codec = PageTokenCodec(SECRET)
    with pytest.raises(InvalidPageToken) as raised:
        _open(codec, codec.seal(CURSOR), **overrides)
    assert fragment in raised.value.message
    assert "without pageToken" in (raised.value.fix or "")


def test_token_from_another_secret_is_refused() -> None:
    token = PageTokenCodec(b"another-secret-0123456789abcdef0123").seal(CURSOR)
    with pytest.raises(InvalidPageToken):
        _open(PageTokenCodec(SECRET), token)


@pytest.mark.parametrize(
    "token", ["", "x", "!!!!", "AQ", "a" * 40, "AQ==", "not a token at all", "é" * 10]
)
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidPageToken):
        _open(PageTokenCodec(SECRET), token)


def test_over_long_token_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidPageToken) as raised:
        _open(PageTokenCodec(SECRET), "A" * (MAX_PAGE_TOKEN_LENGTH + 1))
    assert str(MAX_PAGE_TOKEN_LENGTH) in raised.value.message


def test_every_single_character_change_is_refused() -> None:
    codec = PageTokenCodec(SECRET)
    token = codec.seal(CURSOR)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="
    rng = random.Random(7)
    for position in range(len(token)):
        replacement = rng.choice([c for c in alphabet if c != token[position]])
        altered = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(InvalidPageToken):
            _open(codec, altered)


@pytest.mark.parametrize("cut", [1, 2, 5, 20])
def test_truncated_and_extended_tokens_are_refused(cut: int) -> None:
    codec = PageTokenCodec(SECRET)
    token = codec.seal(CURSOR)
    for altered in (token[:-cut], token + "A" * cut, token[cut:]):
        with pytest.raises(InvalidPageToken):
            _open(codec, altered)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"country_codes": ("US", "GB"), "national_prefix": "415", "types": ("local",)},
        {"capabilities": ("sms_inbound", "whatsapp"), "channels": (), "international_prefix": None},
        {"count": 3, "nested": {"b": [1, 2], "a": "x"}, "flag": True},
        {"name": "Zürich", "emoji": "☎"},  # non-ASCII: escaped, as json.dumps does
        {"type": NumberType.TOLL_FREE, "when": dt.date(2026, 12, 5)},  # enums, and str()
        {"big": 2**70, "n": 1},  # beyond orjson's integers: the standard library's way
    ],
)
def test_filter_digest_is_the_digest_of_the_canonical_json(filters: dict[str, object]) -> None:
    # Tokens sealed by an earlier start or another replica must name the same filters.
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    assert filter_digest(filters) == hashlib.sha256(canonical.encode()).hexdigest()[:32]
