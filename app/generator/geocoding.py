"""The geographic areas of libphonenumber's geocoder data, in English, for a set of calling codes.

``phonenumbers.geodata`` maps E.164 prefixes ("1415", "4420", "3902") to names per language. Its
package ``__init__`` imports all 29 chunk modules at once, about 100 MB of RSS, half of it
China's +86 mobile prefixes. Unless something else in the process has already imported it, this
module executes only the chunks whose key range can hold the wanted calling codes, one at a time,
and keeps a compact table of areas derived from their English names.

Memory: each chunk's wanted entries are first copied into one text, then everything is derived
through short-lived objects, and the result is a few large strings and arrays. Small objects
that outlived a chunk or the intermediate steps would pin their allocator arenas, keeping tens
of megabytes of freed memory resident.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, cast

import phonenumbers

GeoData = Mapping[str, Mapping[str, str]]

_FIRST_KEY = re.compile(r"^\s*'(\d+)'\s*:", re.MULTILINE)
_CHUNK_NAME = re.compile(r"data(\d+)")
# "San Francisco, CA" (US, CA), "São Paulo - SP" (BR), "Veracruz, VER" (MX).
_CODED_DESCRIPTION = re.compile(r"^(?P<locality>.+?)(?:, | - )(?P<code>[A-Z]{2,3})$")
# A prefix with at most this many more specific ones keeps the rest of its range.
_MAX_CARVED_OUT = 3


class Place(NamedTuple):
    locality: str  # e.g. "San Francisco"
    administrative_area: str | None  # e.g. "CA", where the name carries a state code


@dataclass(frozen=True, slots=True)
class AreaTable:
    """One calling code's areas: numbers starting with the national digits
    ``digits[start(i):ends[i]]`` ("415200", "20", Italy's "02") are in
    ``places[place_ids[i]]``. Arrays rather than an object per area: the US and AU have tens of
    thousands of areas."""

    digits: str
    ends: array[int]
    place_ids: array[int]
    places: tuple[Place, ...]

    def __len__(self) -> int:
        return len(self.ends)

    def start(self, index: int) -> int:
        return self.ends[index - 1] if index else 0

    def prefix(self, index: int) -> str:
        return self.digits[self.start(index) : self.ends[index]]


def split_description(description: str) -> Place:
    """``"San Francisco, CA"`` -> ``Place("San Francisco", "CA")``; ``"London"`` has no code.

    Where the geocoder lists the towns an area covers ("Forster/Comboyne/Coopernook/...", up
    to 200 characters in Australia), the first one is the locality.
    """
    match = _CODED_DESCRIPTION.match(description)
    if match is None:
        return Place(_first_town(description), None)
    return Place(_first_town(match["locality"]), match["code"])


def _first_town(locality: str) -> str:
    return locality.split("/", 1)[0].strip() or locality


@lru_cache(maxsize=4)
def geographic_areas(calling_codes: frozenset[int]) -> Mapping[int, AreaTable]:
    """The geographic areas of each calling code; empty where there is no data."""
    rows = {code: _area_rows(lines) for code, lines in _english_lines(calling_codes).items()}
    # Only now, with every intermediate object gone, create the small objects that stay.
    return {code: _area_table(*rows[code]) for code in sorted(calling_codes)}


class _AreaRows(NamedTuple):
    digits: str  # the areas' prefixes, concatenated
    ends: array[int]
    description_ids: array[int]
    descriptions: str  # distinct descriptions, one per line


def _area_rows(lines: list[str]) -> _AreaRows:
    """The areas described by ``"national prefix\tname"`` lines: the most specific prefixes,
    plus the rest of a prefix with only a few carved-out sub-prefixes (Rome, "06", keeps all
    of its range but Vatican City, "06698")."""
    lines.sort()  # "\t" sorts before digits: a prefix comes right before its extensions
    names = dict(line.split("\t", 1) for line in lines)
    areas: list[tuple[str, str]] = []
    for prefix, carved_out in _children(list(names)).items():
        if len(carved_out) > _MAX_CARVED_OUT:
            continue  # a region split into many places ("New Jersey"): use the places
        for area_prefix in _remainder(prefix, carved_out) if carved_out else [prefix]:
            areas.append((area_prefix, names[prefix]))
    areas = _without_region_level_areas(areas)
    description_ids: dict[str, int] = {}
    return _AreaRows(
        digits="".join(prefix for prefix, _ in areas),
        ends=array("I", _running_total(len(prefix) for prefix, _ in areas)),
        description_ids=array(
            "I", (description_ids.setdefault(name, len(description_ids)) for _, name in areas)
        ),
        descriptions="\n".join(description_ids),
    )


def _area_table(
    digits: str, ends: array[int], description_ids: array[int], descriptions: str
) -> AreaTable:
    places = tuple(split_description(name) for name in descriptions.split("\n") if name)
    return AreaTable(digits, ends, description_ids, places)


def _running_total(lengths: Iterable[int]) -> Iterator[int]:
    total = 0
    for length in lengths:
        total += length
        yield total


def _children(prefixes: list[str]) -> dict[str, list[str]]:
    """Each of the sorted ``prefixes`` -> the prefixes whose closest ancestor it is."""
    children: dict[str, list[str]] = {prefix: [] for prefix in prefixes}
    ancestors: list[str] = []
    # In sorted order, everything extending a prefix comes right after it.
    for prefix in prefixes:
        while ancestors and not prefix.startswith(ancestors[-1]):
            ancestors.pop()
        if ancestors:
            children[ancestors[-1]].append(prefix)
        ancestors.append(prefix)
    return children


def _remainder(prefix: str, carved_out: list[str]) -> list[str]:
    """Prefixes covering what starts with ``prefix`` but with none of ``carved_out``."""
    remainder = []
    for digit in "0123456789":
        extended = prefix + digit
        if extended in carved_out:
            continue
        if any(other.startswith(extended) for other in carved_out):
            remainder += _remainder(extended, carved_out)
        else:
            remainder.append(extended)
    return remainder


def _without_region_level_areas(areas: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Where names mostly carry a state code (US, CA, BR), the uncoded ones are whole states.

    Those areas ("California", "Minas Gerais") are area codes without city-level data; leaving
    them out keeps every locality a city.
    """
    coded = [area for area in areas if _CODED_DESCRIPTION.match(area[1])]
    return coded if len(coded) * 2 > len(areas) else areas


def _english_lines(calling_codes: Collection[int]) -> dict[int, list[str]]:
    """``"national prefix\tEnglish name"`` lines, per calling code."""
    wanted = {str(code): code for code in calling_codes}
    texts = [_english_entries(chunk, wanted) for chunk in _geodata_chunks(wanted)]
    lines: dict[int, list[str]] = {code: [] for code in calling_codes}
    for text in texts:
        for line in text.splitlines():
            for length in (1, 2, 3):  # calling codes are prefix-free and 1-3 digits long
                code = wanted.get(line[:length])
                if code is not None:
                    if line[length] != "\t":  # not the whole country
                        lines[code].append(line[length:])
                    break
    return lines


def _english_entries(chunk: GeoData, wanted: Mapping[str, int]) -> str:
    """The chunk's entries for the wanted calling codes with an English name, as one text."""
    return "\n".join(
        f"{key}\t{names['en']}"
        for key, names in chunk.items()
        if "en" in names and (key[:1] in wanted or key[:2] in wanted or key[:3] in wanted)
    )


def _geodata_chunks(prefixes: Collection[str]) -> Iterator[GeoData]:
    """The geocoder data that may hold keys starting with one of ``prefixes``."""
    already_loaded = sys.modules.get("phonenumbers.geodata")
    chunks = None if already_loaded is not None else _chunk_files()
    if chunks is None:
        from phonenumbers.geodata import GEOCODE_DATA

        yield GEOCODE_DATA
        return
    for path in _chunks_for(chunks, prefixes):
        yield _load_chunk(path)


def _chunk_files() -> list[tuple[str, Path]] | None:
    """``(first key, path)`` of each ``geodata/dataN.py``, or None if the layout is unexpected."""
    directory = Path(phonenumbers.__file__).parent / "geodata"
    numbered = []
    for path in directory.glob("data*.py"):
        match = _CHUNK_NAME.fullmatch(path.stem)
        if match is not None:
            numbered.append((int(match[1]), path))
    chunks = []
    for _, path in sorted(numbered):
        with path.open(encoding="utf-8") as source:
            first_key = _FIRST_KEY.search(source.read(8192))
        if first_key is None:
            return None
        chunks.append((first_key[1], path))
    keys = [key for key, _ in chunks]
    # The chunks must hold consecutive ranges of the sorted keys for range selection to work.
    if not chunks or keys != sorted(set(keys)):
        return None
    return chunks


def _chunks_for(chunks: list[tuple[str, Path]], prefixes: Iterable[str]) -> list[Path]:
    """Chunk i holds the keys in [first_i, first_i+1); keys starting with p lie in [p, succ(p))."""
    bounds = [*(key for key, _ in chunks[1:]), None]
    selected = []
    for (first, path), end in zip(chunks, bounds, strict=True):
        if any(first < _successor(prefix) and (end is None or prefix < end) for prefix in prefixes):
            selected.append(path)
    return selected


def _successor(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _load_chunk(path: Path) -> GeoData:
    # Executed under its real dotted name so its ``from ..util import u`` resolves, but not
    # registered in sys.modules: it is dropped as soon as the caller has read it.
    spec = importlib.util.spec_from_file_location(f"phonenumbers.geodata.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load geocoder data from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(GeoData, module.data)
