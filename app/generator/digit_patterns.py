"""Digit templates: libphonenumber's national-number patterns as unions of per-position digit sets.

libphonenumber describes each number type with a small regular-expression dialect: digits,
``\\d``, character classes, non-capturing groups, alternation and bounded repetition (``?``,
``{n}``, ``{m,n}``). Such a pattern denotes a finite language, which this module expands into
*templates*: tuples giving the allowed digits at each position, one per path through the
alternations. ``7(?:[1-57-9]\\d\\d|624)\\d{6}`` becomes ``("7", "12345789", D, D, D, ...)`` and
``("7", "6", "2", "4", D, ...)``, where ``D`` is ``"0123456789"``.

Templates make the generator cheap and exact: a number is drawn by picking a template and one
digit per position, with no regex walking, and two templates overlap iff every position does,
which lets the numbering plan prove that a whole template is never classified as another type.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

DIGITS = "0123456789"

Template = tuple[str, ...]
"""The allowed digits (sorted, no repeats) at each position of a fixed-length number."""


class UnsupportedPatternError(ValueError):
    """The pattern uses syntax outside libphonenumber's dialect, or expands too far."""


def expand_pattern(pattern: str, *, limit: int = 20_000) -> tuple[Template, ...]:
    """Every template of ``pattern``; their union is exactly the strings it fully matches."""
    return tuple(_Parser(pattern, limit).parse())


def template_size(template: Template) -> int:
    """How many distinct numbers the template stands for."""
    return math.prod(len(choices) for choices in template)


def restrict(template: Template, prefix: str) -> Template | None:
    """The part of ``template`` whose numbers start with ``prefix``, or None if there is none."""
    if len(prefix) > len(template):
        return None
    if any(digit not in choices for digit, choices in zip(prefix, template, strict=False)):
        return None
    return tuple(prefix) + template[len(prefix) :]


def overlaps(left: Template, right: Template) -> bool:
    """Whether some number belongs to both templates."""
    return len(left) == len(right) and all(
        not set(a).isdisjoint(b) for a, b in zip(left, right, strict=True)
    )


def contains(outer: Template, inner: Template) -> bool:
    """Whether every number of ``inner`` belongs to ``outer``."""
    return len(outer) == len(inner) and all(
        set(b) <= set(a) for a, b in zip(outer, inner, strict=True)
    )


def covered(template: Template, union: Sequence[Template], *, budget: int = 256) -> bool:
    """Whether every number of ``template`` belongs to one of the templates of ``union``.

    Splits ``template`` digit by digit where no single template contains it (``[14689]\\d{9}``
    is covered by ``[1-467]\\d{9}|[89]\\d{9}``). Gives up, answering False, after ``budget``
    splits: a conservative answer, since callers then check numbers one by one.
    """
    return _covered(template, union, [budget])


def _covered(template: Template, union: Sequence[Template], budget: list[int]) -> bool:
    candidates = [other for other in union if overlaps(other, template)]
    if not candidates:
        return False
    if any(contains(other, template) for other in candidates):
        return True
    budget[0] -= 1
    if budget[0] < 0:
        return False
    for position, choices in enumerate(template):
        if len(choices) > 1 and any(not set(choices) <= set(o[position]) for o in candidates):
            return all(
                _covered(
                    (*template[:position], digit, *template[position + 1 :]), candidates, budget
                )
                for digit in choices
            )
    return False


@dataclass(frozen=True, slots=True)
class DigitSampler:
    """Draws a uniformly random number from one template, fast.

    The template is split into a literal head, a middle of constrained positions and a tail of
    unconstrained digits, which one ``randrange`` call fills.
    """

    head: str
    middle: tuple[str, ...]
    tail: int

    @classmethod
    def for_template(cls, template: Template) -> DigitSampler:
        head_end = 0
        while head_end < len(template) and len(template[head_end]) == 1:
            head_end += 1
        tail_start = len(template)
        while tail_start > head_end and template[tail_start - 1] == DIGITS:
            tail_start -= 1
        head = "".join(template[:head_end])
        return cls(head, template[head_end:tail_start], len(template) - tail_start)

    def draw(self, rng: random.Random) -> str:
        digits = self.head
        if self.middle:
            digits += "".join([rng.choice(choices) for choices in self.middle])
        if self.tail:
            digits += str(rng.randrange(10**self.tail)).zfill(self.tail)
        return digits


class _Parser:
    """Recursive descent over the pattern; each rule returns the templates of what it read."""

    def __init__(self, pattern: str, limit: int) -> None:
        self._pattern = pattern
        self._pos = 0
        self._limit = limit

    def parse(self) -> list[Template]:
        templates = self._alternation()
        if self._pos != len(self._pattern):
            raise self._error("unbalanced ')'")
        return templates

    def _peek(self) -> str:
        return self._pattern[self._pos] if self._pos < len(self._pattern) else ""

    def _error(self, problem: str) -> UnsupportedPatternError:
        return UnsupportedPatternError(f"{problem} at offset {self._pos} of {self._pattern!r}")

    def _alternation(self) -> list[Template]:
        templates = self._sequence()
        while self._peek() == "|":
            self._pos += 1
            templates += self._sequence()
        return _merge_single_digit_branches(list(dict.fromkeys(templates)))

    def _sequence(self) -> list[Template]:
        templates: list[Template] = [()]
        while self._peek() not in ("", "|", ")"):
            templates = self._concat(templates, self._repetition())
        return templates

    def _concat(self, left: list[Template], right: list[Template]) -> list[Template]:
        if len(left) * len(right) > self._limit:
            raise self._error(f"more than {self._limit} templates")
        return [a + b for a in left for b in right]

    def _repetition(self) -> list[Template]:
        atom = self._atom()
        low, high = self._quantifier()
        if (low, high) == (1, 1):
            return atom
        templates: list[Template] = []
        for count in range(low, high + 1):
            repeated: list[Template] = [()]
            for _ in range(count):
                repeated = self._concat(repeated, atom)
            templates += repeated
        return list(dict.fromkeys(templates))

    def _quantifier(self) -> tuple[int, int]:
        if self._peek() == "?":
            self._pos += 1
            return 0, 1
        if self._peek() != "{":
            return 1, 1
        end = self._pattern.find("}", self._pos)
        low, comma, high = self._pattern[self._pos + 1 : end].partition(",")
        if end < 0 or not low.isdigit() or (comma and not high.isdigit()):
            raise self._error("unbounded or malformed repetition")
        self._pos = end + 1
        return int(low), int(high) if comma else int(low)

    def _atom(self) -> list[Template]:
        char = self._peek()
        if char == "(":
            return self._group()
        if char == "[":
            end = self._pattern.find("]", self._pos)
            if end < 0:
                raise self._error("unterminated '['")
            digits = _character_class(self._pattern[self._pos + 1 : end])
            self._pos = end + 1
            return [(digits,)]
        if self._pattern.startswith("\\d", self._pos):
            self._pos += 2
            return [(DIGITS,)]
        if char.isdigit():
            self._pos += 1
            return [(char,)]
        raise self._error(f"unsupported syntax {char!r}")

    def _group(self) -> list[Template]:
        if not self._pattern.startswith("(?:", self._pos):
            raise self._error("only non-capturing groups are supported")
        self._pos += 3
        templates = self._alternation()
        if self._peek() != ")":
            raise self._error("missing ')'")
        self._pos += 1
        return templates


def _character_class(body: str) -> str:
    allowed: set[str] = set()
    index = 0
    while index < len(body):
        if body.startswith("\\d", index):
            allowed.update(DIGITS)
            index += 2
        elif index + 2 < len(body) and body[index + 1] == "-":
            allowed.update(chr(code) for code in range(ord(body[index]), ord(body[index + 2]) + 1))
            index += 3
        else:
            allowed.add(body[index])
            index += 1
    if not allowed or not allowed <= set(DIGITS):
        raise UnsupportedPatternError(f"character class [{body}] is not a set of digits")
    return "".join(sorted(allowed))


def _merge_single_digit_branches(templates: list[Template]) -> list[Template]:
    """Fold one-position branches such as ``(?:0|[2-4])`` into one class: fewer templates."""
    singles = [template for template in templates if len(template) == 1]
    if len(singles) < 2:
        return templates
    merged = ("".join(sorted(set("".join(template[0] for template in singles)))),)
    return [merged] + [template for template in templates if len(template) != 1]
