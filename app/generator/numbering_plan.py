"""Per-country number pools derived from libphonenumber's metadata and geocoder data.

Mapping of our number types to libphonenumber's (see ``SOURCE_DESCRIPTIONS``):

* ``local``     <- ``fixed_line`` (geographic); accepted as FIXED_LINE or FIXED_LINE_OR_MOBILE
* ``mobile``    <- ``mobile``; accepted as MOBILE or FIXED_LINE_OR_MOBILE (US/CA can't tell)
* ``toll-free`` <- ``toll_free``; accepted as TOLL_FREE
* ``national``  <- ``uan`` (non-geographic), or ``voip`` where the plan has no UAN; accepted as
  UAN or VOIP

A pool is a weighted list of digit templates (see ``digit_patterns``), or of their parts
starting with given digits. Local pools are built from the geocoder's areas (see
``geocoding``), so every local number has a locality. Most templates are *safe*: provably
valid, of the right type and in the right region, so the hot loop only fills in digits; the
others are checked with ``phonenumbers`` number by number.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberDesc, PhoneNumberType

from app.generator.digit_patterns import (
    DIGITS,
    DigitSampler,
    Template,
    UnsupportedPatternError,
    covered,
    expand_pattern,
    overlaps,
    restrict,
    template_size,
)
from app.generator.geocoding import AreaTable, Place
from app.generator.records import NumberType

# The order in which phonenumbers' number_type() tries the descriptions; the first match wins.
_CLASSIFICATION_ORDER: tuple[tuple[str, int], ...] = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
    ("fixed_line", PhoneNumberType.FIXED_LINE),
    ("mobile", PhoneNumberType.MOBILE),
)

SOURCE_DESCRIPTIONS: Mapping[NumberType, tuple[str, ...]] = {
    NumberType.LOCAL: ("fixed_line",),
    NumberType.NATIONAL: ("uan", "voip"),  # the first one the plan has
    NumberType.MOBILE: ("mobile",),
    NumberType.TOLL_FREE: ("toll_free",),
}

_E164_DIGITS = 15
# Each digit a template's length is off its plan's typical length makes it this much rarer.
_LENGTH_FALLOFF = 4.0

ACCEPTED_TYPES: Mapping[NumberType, frozenset[int]] = {
    NumberType.LOCAL: frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    NumberType.NATIONAL: frozenset({PhoneNumberType.UAN, PhoneNumberType.VOIP}),
    NumberType.MOBILE: frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}),
    NumberType.TOLL_FREE: frozenset({PhoneNumberType.TOLL_FREE}),
}


@dataclass(frozen=True, slots=True)
class AreaWeights:
    """How a country's local stock spreads over its area codes and geocoder prefixes.

    Listed area codes share ``1 - unlisted_share`` of the stock by weight, each splitting its
    part equally over its prefixes (the geocoder has one prefix for all of 212, but 313 for
    718's exchanges). All other prefixes share ``unlisted_share`` equally, so a plan with
    thousands of them (US, AU, DE) does not drown its listed cities.
    """

    weights: Mapping[str, float]  # area code (national digits) -> relative weight
    unlisted_share: float

    def area_code(self, prefix: str) -> str | None:
        """The longest listed area code ``prefix`` starts with."""
        for length in range(len(prefix), 0, -1):
            if prefix[:length] in self.weights:
                return prefix[:length]
        return None

    def shares(self, prefixes: Sequence[str]) -> list[float]:
        """The share of the stock that goes to each of ``prefixes`` (summing to 1)."""
        codes = [self.area_code(prefix) for prefix in prefixes]
        prefixes_per_code = Counter(codes)
        unlisted = prefixes_per_code.pop(None, 0)
        listed_weight = sum(self.weights[code] for code in prefixes_per_code if code is not None)
        listed_share = (
            0.0 if listed_weight <= 0 else 1.0 if not unlisted else 1 - self.unlisted_share
        )
        shares = []
        for code in codes:
            if code is None:
                shares.append((1 - listed_share) / unlisted)
            else:
                code_share = listed_share * self.weights[code] / listed_weight
                shares.append(code_share / prefixes_per_code[code])
        return shares


@dataclass(frozen=True, slots=True)
class TypePlan:
    """One country's templates for one number type, with what it takes to prove them valid.

    The ``Mapping[int, ...]`` fields hold templates by length, since only templates of equal
    length can overlap.
    """

    region: str
    calling_code: int
    number_type: NumberType
    templates: tuple[Template, ...]
    safe: tuple[bool, ...]  # per template: see is_safe
    general: Mapping[int, tuple[Template, ...]]  # the plan's general description
    shadowing: Mapping[int, tuple[Template, ...]]  # what number_type() tries first
    # Shared calling codes: region_code_for_number() tries the regions in order, and picks one
    # by its leading digits if it has any, else if the number is valid there.
    claimed_earlier: Mapping[int, tuple[Template, ...]]  # by the regions tried before this one
    own_claim: Mapping[int, tuple[Template, ...]] | None  # this region's leading digits, if any
    # What parse() may take for a national prefix (and strip or rewrite); None: anything.
    national_prefixes: tuple[Template, ...] | None

    sizes: tuple[int, ...]  # per template: how many numbers it holds
    weights: tuple[float, ...]  # per template: see _template_weight

    def part(self, index: int, prefix: str) -> int | None:
        """How many times smaller than template ``index`` its part starting with ``prefix``
        is; None if no number of the template starts with ``prefix``."""
        template = self.templates[index]
        if len(prefix) > len(template):
            return None
        fraction = 1
        for digit, choices in zip(prefix, template, strict=False):
            if digit not in choices:
                return None
            fraction *= len(choices)
        return fraction

    def part_is_usable(self, index: int, prefix: str) -> tuple[bool, bool]:
        """(usable, safe) for the part of template ``index`` starting with ``prefix``."""
        if self.safe[index]:
            return True, True
        # Part of an unsafe template may be safe (a prefix can avoid the overlap), which is
        # worth checking once rather than per number.
        part = restrict(self.templates[index], prefix)
        assert part is not None
        if self.is_safe(part):
            return True, True
        return self.passes_probe(part), False

    def is_safe(self, template: Template) -> bool:
        """Whether every number of ``template`` is valid, in this region and of this type.

        Exact reasoning on templates, mirroring phonenumbers' number_type(),
        region_code_for_number() and parse(); a False means "check each number".
        """
        length = len(template)
        return (
            covered(template, self.general.get(length, ()))
            and not any(overlaps(other, template) for other in self.shadowing.get(length, ()))
            and not any(overlaps(other, template) for other in self.claimed_earlier.get(length, ()))
            and (self.own_claim is None or covered(template, self.own_claim.get(length, ())))
            and not self._may_lose_national_prefix(template)
        )

    def is_acceptable(self, national_number: str) -> bool:
        """The per-number check for templates that are not safe.

        The E.164 form parses back to the same national number, is valid in this region as a
        type we accept, and is of an accepted type as phonenumbers reports it. Its
        region_code_for_number() may name another region of the calling code: NANP toll-free
        numbers are valid in CA and PR but reported as US, which is tried first.
        """
        try:
            number = phonenumbers.parse(f"+{self.calling_code}{national_number}")
        except phonenumbers.NumberParseException:
            return False
        return (
            phonenumbers.national_significant_number(number) == national_number
            and phonenumbers.is_valid_number_for_region(number, self.region)
            and not any(
                _matches(other, national_number)
                for other in self.shadowing.get(len(national_number), ())
            )
            and phonenumbers.number_type(number) in ACCEPTED_TYPES[self.number_type]
        )

    def passes_probe(self, template: Template, samples: int = 8) -> bool:
        """Whether a few numbers of an unsafe template all pass; else it is not worth drawing
        from (JP's "0037..." toll-free numbers lose their 0 to parse(), for one)."""
        rng = random.Random(f"probe:{self.region}:{self.number_type}:{template}")
        sampler = DigitSampler.for_template(template)
        return all(self.is_acceptable(sampler.draw(rng)) for _ in range(samples))

    def _may_lose_national_prefix(self, template: Template) -> bool:
        if self.national_prefixes is None:
            return True
        return any(
            len(prefix) <= len(template) and overlaps(prefix, template[: len(prefix)])
            for prefix in self.national_prefixes
        )


class NumberPool:
    """Weighted parts of a plan's templates, to draw national numbers from.

    Entry ``i`` is the part of template ``plan.templates[t]`` whose numbers start with
    ``digits[start:end]`` (a geocoder prefix or an area code; empty for the whole template), is
    drawn with probability proportional to its weight, and its numbers are in
    ``places[place_id]``. Entries live in arrays, their prefixes in one shared string: local
    pools have tens of thousands of entries (US, AU).
    """

    def __init__(self, plan: TypePlan, places: Sequence[Place | None], digits: str = "") -> None:
        self.plan = plan
        self.places = places
        self.capacity = 0  # an upper bound: a pattern's alternatives may overlap
        self._digits = digits
        self._starts = array("I")
        self._ends = array("I")
        self._templates = array("I")
        self._place_ids = array("I")
        self._safe = bytearray()
        self._sizes = array("Q")
        self._cumulative = array("d")
        self._samplers: list[DigitSampler] = []  # per entry, shared by equal (template, start)
        self._sampler_cache: dict[tuple[int, int], DigitSampler] = {}

    def __bool__(self) -> bool:
        return bool(self._cumulative) and self._cumulative[-1] > 0

    def __len__(self) -> int:
        return len(self._starts)

    def digits(self, start: int, end: int) -> str:
        return self._digits[start:end]

    def add(
        self,
        start: int,
        end: int,
        template: int,
        place_id: int,
        *,
        safe: bool,
        size: int,
        weight: float,
    ) -> None:
        """Add the part of ``template`` starting with ``digits[start:end]``."""
        key = (template, end - start)
        sampler = self._sampler_cache.get(key)
        if sampler is None:
            sampler = DigitSampler.for_template(self.plan.templates[template][end - start :])
            self._sampler_cache[key] = sampler
        self._starts.append(start)
        self._ends.append(end)
        self._templates.append(template)
        self._place_ids.append(place_id)
        self._safe.append(safe)
        self._sizes.append(size)
        self._cumulative.append((self._cumulative[-1] if self._cumulative else 0.0) + weight)
        self._samplers.append(sampler)
        self.capacity += size

    def draw(self, rng: random.Random) -> tuple[str, Place | None] | None:
        """A national number and its place; None when the number was rejected."""
        cumulative = self._cumulative
        index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
        index = min(index, len(cumulative) - 1)
        prefix = self._digits[self._starts[index] : self._ends[index]]
        national_number = prefix + self._samplers[index].draw(rng)
        if self._safe[index] or self.plan.is_acceptable(national_number):
            return national_number, self.places[self._place_ids[index]]
        return None

    def restricted_to(self, area_code: str) -> NumberPool:
        """The numbers starting with ``area_code``, weighted as in this pool."""
        restricted = NumberPool(self.plan, self.places, self._digits + area_code)
        area_start, area_end = len(self._digits), len(self._digits) + len(area_code)
        previous = 0.0
        for index, (start, end) in enumerate(zip(self._starts, self._ends, strict=True)):
            weight, previous = self._cumulative[index] - previous, self._cumulative[index]
            prefix = self._digits[start:end]
            template, place_id = self._templates[index], self._place_ids[index]
            if prefix.startswith(area_code):  # the whole entry is in the area code
                safe, size = bool(self._safe[index]), self._sizes[index]
                restricted.add(start, end, template, place_id, safe=safe, size=size, weight=weight)
            elif area_code.startswith(prefix):  # part of the entry is
                fraction = self.plan.part(template, area_code)
                if fraction is not None:
                    per_number = weight / self._sizes[index]
                    _add_part(
                        restricted, template, fraction, (area_start, area_end), place_id, per_number
                    )
        return restricted


def _add_part(
    pool: NumberPool,
    template: int,
    fraction: int,
    bounds: tuple[int, int],
    place_id: int,
    weight_per_number: float,
) -> None:
    """Add the part of ``template`` starting with ``digits[start:end]`` (``bounds``),
    ``fraction`` times smaller than the template (see TypePlan.part), unless it fails its
    probe."""
    plan = pool.plan
    start, end = bounds
    usable, safe = plan.part_is_usable(template, pool.digits(start, end))
    if usable:
        size = plan.sizes[template] // fraction
        weight = weight_per_number * size
        pool.add(start, end, template, place_id, safe=safe, size=size, weight=weight)


@cache
def type_plan(region: str, number_type: NumberType) -> TypePlan | None:
    """The plan of ``region`` for ``number_type``, or None if its numbering plan has none."""
    metadata = _metadata(region)
    source = next(
        (
            name
            for name in SOURCE_DESCRIPTIONS[number_type]
            if _has_pattern(getattr(metadata, name))
        ),
        None,
    )
    if source is None:
        return None
    general_lengths = _lengths(metadata.general_desc)
    # E.164 allows 15 digits, calling code included; libphonenumber allows a few longer ones.
    longest = _E164_DIGITS - len(str(_calling_code(metadata)))
    templates = tuple(
        template
        for template in _templates(getattr(metadata, source))
        if (not general_lengths or len(template) in general_lengths) and len(template) <= longest
    )
    if not templates:
        return None
    lengths = {len(template) for template in templates}
    plan = TypePlan(
        region=region,
        calling_code=_calling_code(metadata),
        number_type=number_type,
        templates=templates,
        safe=(),
        general=_by_length(_templates(metadata.general_desc)),
        shadowing=_by_length(_shadowing_templates(metadata, source, number_type)),
        claimed_earlier=_by_length(_claimed_earlier(metadata, region, lengths)),
        own_claim=(
            None
            if metadata.leading_digits is None
            else _by_length(_padded(expand_pattern(metadata.leading_digits), lengths))
        ),
        national_prefixes=_national_prefixes(metadata),
        sizes=(),
        weights=(),
    )
    safety = [(template, plan.is_safe(template)) for template in templates]
    kept = [(template, safe) for template, safe in safety if safe or plan.passes_probe(template)]
    if not kept:
        return None
    typical_length = _example_length(getattr(metadata, source))
    return dataclasses.replace(
        plan,
        templates=tuple(template for template, _ in kept),
        safe=tuple(safe for _, safe in kept),
        sizes=tuple(template_size(template) for template, _ in kept),
        weights=tuple(_template_weight(template, typical_length) for template, _ in kept),
    )


def _template_weight(template: Template, typical_length: int | None) -> float:
    """How often to draw from ``template``, relative to the plan's other templates.

    Not its size: with variable lengths (DE, AT, IT, JP toll-free) that would make nearly
    every number as long as allowed. A template weighs the share of its length's number space
    it holds, times ``1 / _LENGTH_FALLOFF`` per digit its length is off the length of the plan's
    example number (the length most real numbers have): German landlines are mostly 8 digits
    long, sometimes 7 or 9, rarely 5 or 15.
    """
    off = abs(len(template) - typical_length) if typical_length is not None else 0
    return template_size(template) / 10.0 ** len(template) / _LENGTH_FALLOFF**off


def plain_pool(plan: TypePlan, place: Place | None = None) -> NumberPool:
    """Every template of the plan, weighted as TypePlan.weights says."""
    pool = NumberPool(plan, (place,))
    for index, (safe, size, weight) in enumerate(
        zip(plan.safe, plan.sizes, plan.weights, strict=True)
    ):
        pool.add(0, 0, index, 0, safe=safe, size=size, weight=weight)
    return pool


def geographic_pool(plan: TypePlan, areas: AreaTable, weights: AreaWeights) -> NumberPool:
    """Local numbers in the geocoder's areas, spread over them as ``weights`` says, and within
    an area over the templates as TypePlan.weights says."""
    index = _TemplateIndex(plan)
    in_plan = []  # (area, [(template, fraction)]) for the areas with numbers of this plan
    for area in range(len(areas)):
        prefix = areas.prefix(area)
        parts = [
            (template, fraction)
            for template in index.candidates(prefix)
            if (fraction := plan.part(template, prefix)) is not None
        ]
        if parts:
            in_plan.append((area, parts))
    shares = weights.shares([areas.prefix(area) for area, _ in in_plan])
    pool = NumberPool(plan, areas.places, areas.digits)
    for (area, parts), share in zip(in_plan, shares, strict=True):
        bounds, place_id = (areas.start(area), areas.ends[area]), areas.place_ids[area]
        # The area's share goes to its templates by weight, scaled down to the part of each
        # template that is in the area.
        total = sum(plan.weights[template] / fraction for template, fraction in parts)
        for template, fraction in parts:
            per_number = share * plan.weights[template] / plan.sizes[template] / total
            _add_part(pool, template, fraction, bounds, place_id, per_number)
    return pool


class _TemplateIndex:
    """Finds the plan's templates that may have numbers starting with a prefix, by the
    prefix's first (up to) three digits."""

    _DEPTH = 3

    def __init__(self, plan: TypePlan) -> None:
        self._by_digits: dict[str, list[int]] = defaultdict(list)
        for index, template in enumerate(plan.templates):
            for depth in range(1, min(self._DEPTH, len(template)) + 1):
                for digits in itertools.product(*template[:depth]):
                    self._by_digits["".join(digits)].append(index)

    def candidates(self, prefix: str) -> Sequence[int]:
        return self._by_digits.get(prefix[: self._DEPTH], ())


def _claimed_earlier(
    metadata: PhoneMetadata, region: str, lengths: Iterable[int]
) -> list[Template]:
    """Numbers that regions tried before ``region`` for its calling code would claim."""
    claimed: list[Template] = []
    for other in phonenumbers.region_codes_for_country_code(_calling_code(metadata)):
        if other == region:
            break
        other_metadata = _metadata(other)
        if other_metadata.leading_digits is not None:
            claimed += _padded(expand_pattern(other_metadata.leading_digits), lengths)
        else:  # claimed if valid there: of one of its types
            for name, _ in _CLASSIFICATION_ORDER:
                claimed += _templates(getattr(other_metadata, name))
    return claimed


def _national_prefixes(metadata: PhoneMetadata) -> tuple[Template, ...] | None:
    """The non-empty prefixes national_prefix_for_parsing can match (its capturing groups and
    ``$`` anchors dropped, which can only add prefixes); None if it is beyond our dialect."""
    pattern = metadata.national_prefix_for_parsing
    if not pattern:
        return ()
    try:
        prefixes = expand_pattern(re.sub(r"\((?!\?)", "(?:", pattern.replace("$", "")))
    except UnsupportedPatternError:
        return None
    return tuple(prefix for prefix in prefixes if prefix)


def _matches(template: Template, digits: str) -> bool:
    return len(template) == len(digits) and all(
        digit in choices for digit, choices in zip(digits, template, strict=True)
    )


def _padded(prefixes: Iterable[Template], lengths: Iterable[int]) -> list[Template]:
    """Leading-digit prefixes as templates of each length: the prefix, then any digits."""
    return [
        prefix + (DIGITS,) * (length - len(prefix))
        for prefix in prefixes
        for length in sorted(set(lengths))
        if length >= len(prefix)
    ]


def _shadowing_templates(
    metadata: PhoneMetadata, source: str, number_type: NumberType
) -> list[Template]:
    """Templates of the descriptions number_type() tries before ``source`` that would give a
    type we don't accept."""
    shadowing: list[Template] = []
    for name, classified_as in _CLASSIFICATION_ORDER:
        if name == source:
            break
        # A mobile number that also matches fixed_line is FIXED_LINE_OR_MOBILE, which we accept.
        mobile_also_fixed = source == "mobile" and name == "fixed_line"
        if classified_as not in ACCEPTED_TYPES[number_type] and not mobile_also_fixed:
            shadowing += _templates(getattr(metadata, name))
    return shadowing


def _templates(description: PhoneNumberDesc | None) -> tuple[Template, ...]:
    """The description's templates of its possible lengths, as phonenumbers matches it."""
    if description is None or not _has_pattern(description):
        return ()
    assert description.national_number_pattern is not None
    lengths = _lengths(description)
    return tuple(
        template
        for template in expand_pattern(description.national_number_pattern)
        if not lengths or len(template) in lengths
    )


def _metadata(region: str) -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        raise ValueError(f"phonenumbers has no metadata for region {region!r}")
    return metadata


def _calling_code(metadata: PhoneMetadata) -> int:
    assert metadata.country_code is not None  # always set for a region's metadata
    return metadata.country_code


def _example_length(description: PhoneNumberDesc) -> int | None:
    return len(description.example_number) if description.example_number else None


def _lengths(description: PhoneNumberDesc | None) -> frozenset[int]:
    return frozenset(description.possible_length) if description is not None else frozenset()


def _has_pattern(description: PhoneNumberDesc | None) -> bool:
    return description is not None and bool(description.national_number_pattern)


def _by_length(templates: Iterable[Template]) -> dict[int, tuple[Template, ...]]:
    grouped: dict[int, list[Template]] = defaultdict(list)
    for template in templates:
        grouped[len(template)].append(template)
    return {length: tuple(group) for length, group in grouped.items()}
