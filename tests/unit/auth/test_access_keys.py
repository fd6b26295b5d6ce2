"""Access keys: stateless, deterministic, and refused when altered or sealed elsewhere."""

from __future__ import annotations

import base64

import pytest

from app.auth.access_keys import (
    MAX_ACCESS_KEY_LENGTH,
    AccessKeyCodec,
    AccessKeyHolder,
    access_key,
    mint_access_key,
)
from app.errors import InvalidAccessKey

SECRET = "numbers-mock-unit-secret-0123456789abcdef"
NOT_OURS = "not a key this server issued"


def _refused(key: str, secret: str = SECRET) -> str:
    with pytest.raises(InvalidAccessKey) as refused:
        AccessKeyCodec(secret).open(key)
    assert refused.value.status == 401
    assert refused.value.fix
    return refused.value.message


def test_a_key_opens_to_its_organization_and_workspaces() -> None:
    key = mint_access_key(SECRET, "acme", ["ws-b", "ws-a"])
    assert AccessKeyCodec(SECRET).open(key) == AccessKeyHolder("acme", ("ws-a", "ws-b"))
    assert AccessKeyCodec(SECRET).open(mint_access_key(SECRET, "acme")).workspaces == ()


def test_keys_are_deterministic_and_survive_a_new_codec() -> None:
    """Another replica (or a restart) with the same secret mints and accepts the same key."""
    first = mint_access_key(SECRET, "acme", ["a", "b"])
    assert mint_access_key(SECRET, "acme", ["b", "a", "a"]) == first
    assert AccessKeyCodec(SECRET).mint("acme", ["a", "b"]) == first
    assert mint_access_key(SECRET, "acme", ["a"]) != first
    assert mint_access_key(SECRET, "globex", ["a", "b"]) != first


def test_keys_are_canonical_base64url_with_the_version_first() -> None:
    key = mint_access_key(SECRET, "acme")
    assert "=" not in key
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))[0] == 1
    assert "acme" not in key  # sealed, not merely encoded


def test_a_key_sealed_with_another_secret_is_refused() -> None:
    key = mint_access_key("another-secret-0123456789abcdef0123456", "acme")
    assert NOT_OURS in _refused(key)


@pytest.mark.parametrize("position", [0, 1, 10, -2, -1])
def test_every_altered_character_is_refused(position: int) -> None:
    key = mint_access_key(SECRET, "acme", ["ws"])
    swapped = "B" if key[position] != "B" else "C"
    altered = (
        key[:position] + swapped + key[position + 1 :] if position != -1 else key[:-1] + swapped
    )
    assert altered != key
    assert NOT_OURS in _refused(altered)


def test_truncated_extended_and_garbled_keys_are_refused() -> None:
    key = mint_access_key(SECRET, "acme")
    for damaged in (
        key[:-1],
        key[:20],
        key + "A",
        key + "==",
        "A",
        "%%%",
        key[:5] + "+" + key[6:],
        key[:5] + "/" + key[6:],
        key[:5] + " " + key[6:],
    ):
        assert NOT_OURS in _refused(damaged), damaged


def test_a_non_canonical_spelling_of_a_key_is_refused() -> None:
    """The unused low bits of the last character must be zero, as we write them."""
    key = mint_access_key(SECRET, "acme")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if len(key) % 4 in (2, 3):
        last = alphabet.index(key[-1])
        twin = key[:-1] + alphabet[last ^ 1]
        decoded = base64.urlsafe_b64decode(twin + "=" * (-len(twin) % 4))
        assert decoded == base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
        assert NOT_OURS in _refused(twin)


def test_an_overlong_key_is_refused_before_decoding() -> None:
    message = _refused("A" * (MAX_ACCESS_KEY_LENGTH + 1))
    assert f"at most {MAX_ACCESS_KEY_LENGTH}" in message


@pytest.mark.parametrize(
    ("organization", "workspaces", "fragment"),
    [
        ("", (), "organization id"),
        ("x" * 257, (), "organization id"),
        ("acme", ("",), "workspace id"),
        ("acme", ("a/b",), "without '/'"),
        ("acme", tuple(f"w{i}" for i in range(101)), "at most 100"),
    ],
)
def test_minting_refuses_what_no_path_could_name(
    organization: str, workspaces: tuple[str, ...], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        mint_access_key(SECRET, organization, workspaces)


def test_the_header_needs_the_access_key_scheme_and_a_key() -> None:
    assert access_key("AccessKey abc") == "abc"
    assert access_key("accesskey  abc ") == "abc"
    with pytest.raises(InvalidAccessKey, match="no key after AccessKey"):
        access_key("AccessKey ")
    with pytest.raises(InvalidAccessKey, match="AccessKey scheme"):
        access_key("Bearer abc")


def test_the_refusal_challenges_the_access_key_scheme() -> None:
    with pytest.raises(InvalidAccessKey) as refused:
        AccessKeyCodec(SECRET).open("AAAA")
    challenge = refused.value.headers["WWW-Authenticate"]
    assert challenge.startswith('AccessKey realm="numbers-mock", error_description="')
    assert NOT_OURS in challenge
