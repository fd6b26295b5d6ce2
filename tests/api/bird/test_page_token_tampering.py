"""1,000 seeded mutations of real page tokens: every one refused with the 400 envelope."""

from __future__ import annotations

import base64
import random
from collections import Counter
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.page_tokens import PageCursor, PageTokenCodec
from tests.conftest import Minter
from tests.helpers import assert_error

MUTATIONS = 1_000
Mutation = Callable[[random.Random, str], str]


def _unpadded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def flip_bit(rng: random.Random, token: str) -> str:
    raw = bytearray(_raw(token))
    raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    return _unpadded(bytes(raw))


def truncate(rng: random.Random, token: str) -> str:
    return token[: rng.randrange(0, len(token))]


def extend(rng: random.Random, token: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return token + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))


def swap_alphabet(rng: random.Random, token: str) -> str:
    """Standard base64 for URL-safe, padding, case flips: the same bytes, other spellings."""
    swaps = {"-": "+", "_": "/"}
    choice = rng.randrange(4)
    if choice == 0 and any(c in token for c in swaps):
        return "".join(swaps.get(c, c) for c in token)
    if choice == 1:
        return token + "=" * rng.randint(1, 2)
    position = rng.randrange(len(token))
    char = token[position]
    replacement = char.swapcase() if char.isalpha() and choice == 2 else rng.choice("+/=.~ ")
    return token[:position] + replacement + token[position + 1 :]


def replace_char(rng: random.Random, token: str) -> str:
    position = rng.randrange(len(token))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return (
        token[:position] + rng.choice(alphabet.replace(token[position], "")) + token[position + 1 :]
    )


def splice(rng: random.Random, token: str) -> str:
    """Keep the nonce, swap in another token's ciphertext (or the other way round)."""
    other = PageTokenCodec(b"x" * 40).seal(PageCursor("listStockItems", "acme", "d", ("NL", "+31")))
    cut = rng.randrange(1, min(len(token), len(other)))
    return token[:cut] + other[cut:]


def other_secret(rng: random.Random, token: str) -> str:
    codec = PageTokenCodec(f"another-secret-{rng.random()}-0123456789abcdef".encode())
    return codec.seal(PageCursor("listStockItems", "acme", "0" * 32, ("NL", "+31100000000")))


KINDS: list[Mutation] = [
    flip_bit,
    truncate,
    extend,
    swap_alphabet,
    replace_char,
    splice,
    other_secret,
]


def test_a_thousand_mutations_are_all_refused(
    client: TestClient, auth: dict[str, str], mint: Minter
) -> None:
    path = "/organizations/acme/numbers-stock-items"
    queries: tuple[dict[str, str | int], ...] = (
        {"countryCodes": "NL", "limit": 5},
        {"countryCodes": "US", "prefix": "212", "limit": 3},
        {"types": "mobile", "limit": 7},
        {"features": "sms-inbound", "countryCodes": "GB", "limit": 2},
    )
    genuine = [
        client.get(path, params=params, headers=auth).json()["nextPageToken"] for params in queries
    ]
    rng = random.Random(20261124)
    outcomes: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for _ in range(MUTATIONS):
        original = rng.choice(genuine)
        mutate = rng.choice(KINDS)
        mutated = mutate(rng, original)
        if mutated == original:  # a mutation that happened to change nothing
            mutated = flip_bit(rng, original)
        kinds[mutate.__name__] += 1
        response = client.get(
            path, params={"countryCodes": "NL", "limit": 5, "pageToken": mutated}, headers=auth
        )
        outcomes[str(response.status_code)] += 1
        assert_error(response, 400, "invalid_page_token")
    assert outcomes == Counter({"400": MUTATIONS}), outcomes
    assert len(kinds) == len(KINDS)


def test_genuine_tokens_are_refused_for_other_filters_and_organizations(
    client: TestClient, auth: dict[str, str], mint: Minter
) -> None:
    token = client.get(
        "/organizations/acme/numbers-stock-items", params={"countryCodes": "NL"}, headers=auth
    ).json()["nextPageToken"]
    other_filters = [
        {"countryCodes": "GB"},
        {"countryCodes": "NL", "types": "local"},
        {"countryCodes": "NL", "features": "whatsapp"},
        {"countryCodes": "NL", "prefix": "20"},
        {"countryCodes": "NL,BE"},
        {},
    ]
    for params in other_filters:
        response = client.get(
            "/organizations/acme/numbers-stock-items",
            params={**params, "pageToken": token},
            headers=auth,
        )
        assert "other filters" in assert_error(response, 400, "invalid_page_token")["message"]
    globex = {"Authorization": f"Bearer {mint('globex')}"}
    response = client.get(
        "/organizations/globex/numbers-stock-items",
        params={"countryCodes": "NL", "pageToken": token},
        headers=globex,
    )
    assert "another organization" in assert_error(response, 400, "invalid_page_token")["message"]
