"""libphonenumber's digit patterns as templates: exactly the strings a pattern matches."""

from __future__ import annotations

import itertools
import re

import pytest

from app.generator.digit_patterns import (
    UnsupportedPatternError,
    covered,
    expand_pattern,
    overlaps,
    template_size,
)


@pytest.mark.parametrize(
    "pattern",
    [
        r"7(?:[1-57-9]\d|62)\d",
        r"(?:2[0-3]|[4-6])\d{1,2}",
        r"1(?:0|[2-4]\d?)|5",
        r"(?:[12]\d?){2}",
        r"8\d{2,3}|90[1-3]",
    ],
)
def test_templates_are_exactly_the_strings_a_pattern_matches(pattern: str) -> None:
    templates = expand_pattern(pattern)
    from_templates = {
        "".join(digits) for template in templates for digits in itertools.product(*template)
    }
    by_regex = {
        "".join(digits)
        for length in range(1, 6)
        for digits in itertools.product("0123456789", repeat=length)
        if re.fullmatch(pattern, "".join(digits))
    }
    assert from_templates == by_regex


def test_unsupported_pattern_syntax_is_refused() -> None:
    for pattern in (r"(?=1)\d", r"1\d*", r"1\d{2,}", r"(1)\d", r"[^1]"):
        with pytest.raises(UnsupportedPatternError):
            expand_pattern(pattern)


def test_template_relations() -> None:
    (wide,) = expand_pattern(r"[1-4]\d")
    (narrow,) = expand_pattern(r"2[05]")
    (other,) = expand_pattern(r"5\d")
    assert template_size(wide) == 40
    assert overlaps(wide, narrow)
    assert not overlaps(wide, other)
    assert covered(narrow, [wide])
    assert covered(expand_pattern(r"[1-5]\d")[0], [wide, other])
    assert not covered(wide, [narrow, other])
