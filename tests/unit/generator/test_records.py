"""The generated numbers' records: one bit of the capability mask per capability."""

from __future__ import annotations


def test_capability_mask_has_one_bit_per_capability() -> None:
    from dataclasses import fields

    from app.generator.records import CAPABILITY_BITS, Capabilities

    names = [field.name for field in fields(Capabilities)]
    assert list(CAPABILITY_BITS) == names
    for name in names:
        only = Capabilities(**{other: other == name for other in names})
        assert only.mask == CAPABILITY_BITS[name]
    assert Capabilities(**dict.fromkeys(names, True)).mask == 127
