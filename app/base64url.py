"""Unpadded, canonical base64url: the spelling of page tokens and access keys."""

from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_canonical(text: str) -> bytes | None:
    """Decode strictly: the URL-safe alphabet only, and the one spelling ``encode`` gives.

    The standard decoder drops unknown characters and ignores the unused bits of the last
    character, so two different strings could open to the same sealed value.
    """
    if not _ALPHABET.fullmatch(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if encode(data) != text:
        return None
    return data
