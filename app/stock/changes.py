"""Changes to the stock: add, purchase, release and remove numbers.

Framework-free; every check happens before the first write, and the request's session
commits once, so a refused request changes nothing.
"""

from __future__ import annotations

import dataclasses
import random
import re
import uuid
from collections import Counter
from dataclasses import dataclass

import phonenumbers
from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, NumberOrigin, OwnerProvider, StockStatus
from app.errors import (
    InvalidNumber,
    InvalidParameter,
    NumberAlreadyExists,
    NumberNotFound,
    NumberNotInStock,
    NumberNotPurchased,
)
from app.generator.inventory import (
    draw_capabilities,
    generate_numbers,
    monthly_price,
    supported_countries,
)
from app.generator.numbering_plan import ACCEPTED_TYPES
from app.generator.records import Capabilities, GeneratedNumber, MonthlyPrice, NumberType
from app.generator.seed_data import default_seed_data
from app.lifecycle import mock_clock, ownership
from app.stock import repository
from app.stock.query import StockQuery

_E164 = re.compile(r"\+[1-9][0-9]{5,14}")
# Generated numbers try this many candidates per wanted number before giving up.
_CANDIDATE_ROUNDS = 8


@dataclass(frozen=True, slots=True)
class NumberToAdd:
    """A number the caller names, with what it may say about it (the rest is drawn)."""

    number_string: str
    number_type: NumberType | None = None
    locality: str | None = None
    administrative_area: str | None = None
    capabilities: Capabilities | None = None
    monthly_price: MonthlyPrice | None = None


def normalize_number_string(value: str) -> str:
    """``+14155550123``, also accepted without the ``+``; anything else is refused."""
    candidate = value.strip()
    if not candidate.startswith("+"):
        candidate = "+" + candidate
    if not _E164.fullmatch(candidate):
        raise InvalidNumber(
            f"{value!r} is not an E.164 number",
            fix="write it as + then country code and number, digits only: +14155550123",
        )
    return candidate


def add_generated_numbers(
    session: Session,
    *,
    seed: int,
    country_code: str,
    number_type: NumberType,
    count: int,
    area_code: str | None,
    capabilities: tuple[str, ...],
) -> list[InventoryNumber]:
    """``count`` new real numbers of a country and type, drawn like the seed draws them."""
    if country_code not in supported_countries():
        raise InvalidParameter(
            f"countryCode {country_code!r} is not in the seed data, so it has no plan or prices",
            fix=f"use one of {', '.join(supported_countries())}",
        )
    # Reproducible: after a reset, the same calls add the same numbers.
    sequence = repository.count_added_numbers(session)
    rng = random.Random(f"{seed}:added:{country_code}:{number_type.value}:{area_code}:{sequence}")
    taken: set[str] = set()
    chosen: list[GeneratedNumber] = []
    for _ in range(_CANDIDATE_ROUNDS):
        try:
            batch = generate_numbers(
                country_code,
                number_type,
                count - len(chosen),
                rng=rng,
                area_code=area_code,
                exclude=taken,
            )
        except ValueError as exc:
            raise InvalidParameter(str(exc), fix=_generation_fix(area_code)) from None
        taken.update(number.number_string for number in batch)
        existing = repository.existing_number_strings(session, (n.number_string for n in batch))
        chosen += [number for number in batch if number.number_string not in existing]
        if len(chosen) == count:
            break
    else:
        raise InvalidParameter(
            f"could not find {count} free {number_type.value} numbers in {country_code}",
            fix="ask for fewer numbers, or another area code",
        )
    chosen = [_with_capabilities(number, capabilities) for number in chosen]
    repository.insert_numbers(session, chosen, origin=NumberOrigin.CONTROL)
    return _find_all(session, [number.number_string for number in chosen])


def add_explicit_numbers(
    session: Session, *, seed: int, numbers: list[NumberToAdd]
) -> list[InventoryNumber]:
    """Add the named numbers, validated with libphonenumber; all of them or none."""
    records = [_explicit_record(item, seed) for item in numbers]
    counts = Counter(record.number_string for record in records)
    duplicates = {number for number, times in counts.items() if times > 1}
    if duplicates:
        raise InvalidNumber(
            f"the request names {', '.join(sorted(duplicates))} more than once",
            fix="list each number once",
        )
    revived: list[InventoryNumber] = []
    fresh: list[GeneratedNumber] = []
    for record in records:
        existing = repository.find_any_number(session, record.number_string)
        if existing is None:
            fresh.append(record)
        elif existing.status == StockStatus.REMOVED.value:
            revived.append(existing)
        else:
            raise NumberAlreadyExists(
                f"{record.number_string} is in the inventory already ({existing.status})",
                fix="leave it out, or release it with POST /_mock/numbers/{numberString}/release",
            )
    for number in revived:
        repository.revive_removed_number(number)
    repository.insert_numbers(session, fresh, origin=NumberOrigin.CONTROL)
    return _find_all(session, [record.number_string for record in records])


def purchase(
    session: Session,
    number_string: str,
    organization_id: str,
    *,
    provider: OwnerProvider | None = None,
    workspace_id: str | None = None,
) -> InventoryNumber:
    """Sell a number in stock to ``organization_id``; with ``provider``, as if it had bought
    it through that provider's API (a Pingram account's number, a Bird workspace's LCN)."""
    number_string = normalize_number_string(number_string)
    if provider is OwnerProvider.BIRD:
        if workspace_id is None:
            raise InvalidParameter(
                "a number bought through Bird belongs to a workspace: workspaceId is missing",
                fix="add workspaceId, or leave provider out",
            )
        now = mock_clock.now(session)
        owner = ownership.claim_workspace(session, workspace_id, organization_id, now)
        if owner != organization_id:
            raise InvalidParameter(
                f"workspace {workspace_id!r} belongs to organization {owner!r}",
                fix=f"use organizationId {owner!r}, or another workspace",
            )
    elif workspace_id is not None:
        raise InvalidParameter(
            "workspaceId is only for numbers bought through Bird",
            fix='add "provider": "bird", or leave workspaceId out',
        )
    if not repository.purchase_number(session, number_string, organization_id):
        number = _must_find(session, number_string)
        raise NumberNotInStock(
            f"{number_string} is not in stock (it is {number.status}"
            + (f" to {number.purchased_by}" if number.purchased_by else "")
            + ")",
            fix="pick another number from the stock APIs, or release this one first",
        )
    number = _must_find(session, number_string)
    if provider is not None:
        ownership.record_ownership(
            session,
            number,
            provider=provider,
            owner_id=organization_id,
            workspace_id=workspace_id,
            now=mock_clock.now(session),
        )
    return number


def release(session: Session, number_string: str) -> InventoryNumber:
    number_string = normalize_number_string(number_string)
    if not repository.release_number(session, number_string):
        _must_find(session, number_string)
        raise NumberNotPurchased(
            f"{number_string} is in stock already", fix="only purchased numbers can be released"
        )
    number = _must_find(session, number_string)
    ownership.forget(session, [number.id])  # back in public stock, held for no one
    return number


def find(session: Session, number_string: str) -> InventoryNumber:
    """A number of the inventory, whatever its status (404 when there is none)."""
    number_string = normalize_number_string(number_string)
    number = repository.find_any_number(session, number_string)
    if number is None:
        raise NumberNotFound(
            f"{number_string} is not in the inventory",
            fix="list stock with the provider APIs, or add it with POST /_mock/numbers",
        )
    return number


def remove(session: Session, number_string: str) -> None:
    number = _must_find(session, normalize_number_string(number_string))
    ownership.forget(session, [number.id])
    repository.remove_number(session, number)


def sell_out(session: Session, query: StockQuery, organization_id: str) -> int:
    """Sell every number in stock matching ``query`` (scenarios: "sold out of 415")."""
    return repository.sell_matching(session, query, organization_id)


def _find_all(session: Session, number_strings: list[str]) -> list[InventoryNumber]:
    """The numbers just written, in the given order, in one query per 500."""
    session.flush()
    found = {n.number_string: n for n in repository.find_numbers(session, number_strings)}
    return [found[number_string] for number_string in number_strings]


def _must_find(session: Session, number_string: str) -> InventoryNumber:
    session.expire_all()  # conditional UPDATEs bypass the identity map
    number = repository.find_number(session, number_string)
    if number is None:
        raise NumberNotFound(
            f"{number_string} is not in the inventory",
            fix="list stock with the provider APIs, or add it with POST /_mock/numbers",
        )
    return number


def _explicit_record(item: NumberToAdd, seed: int) -> GeneratedNumber:
    number_string = normalize_number_string(item.number_string)
    try:
        parsed = phonenumbers.parse(number_string)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"{number_string} cannot be parsed: {exc}", fix=_NUMBER_FIX) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(
            f"{number_string} is not a valid number in any numbering plan", fix=_NUMBER_FIX
        )
    country = phonenumbers.region_code_for_number(parsed)
    number_type = _number_type(number_string, parsed, item.number_type)
    if country not in supported_countries():
        raise InvalidNumber(
            f"{number_string} is in {country}, which the seed data has no prices for",
            fix=f"use a number of {', '.join(supported_countries())}",
        )
    if (
        item.monthly_price is not None
        and item.monthly_price.currency_code not in default_seed_data().usd_per_unit
    ):
        raise InvalidParameter(
            f"monthlyPrice.currencyCode {item.monthly_price.currency_code!r} has no USD rate "
            "in the seed data, so Pingram could not quote the number's price",
            fix="use one of the currencies of seed_data/prices.toml's usd_per_unit table",
        )
    rng = random.Random(f"{seed}:explicit:{number_string}")
    return GeneratedNumber(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        country_code=country,
        number_type=number_type,
        number_string=number_string,
        national_number=phonenumbers.national_significant_number(parsed),
        locality=item.locality,
        administrative_area=item.administrative_area,
        capabilities=item.capabilities or draw_capabilities(country, number_type, rng),
        monthly_price=item.monthly_price or _price(country, number_type, number_string),
    )


_NUMBER_FIX = "give a real, valid E.164 number (libphonenumber must accept it)"
_OUR_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: NumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE: NumberType.LOCAL,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.LOCAL,
    phonenumbers.PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.UAN: NumberType.NATIONAL,
    phonenumbers.PhoneNumberType.VOIP: NumberType.NATIONAL,
}


def _number_type(
    number_string: str, parsed: phonenumbers.PhoneNumber, requested: NumberType | None
) -> NumberType:
    actual = phonenumbers.number_type(parsed)
    if requested is None:
        inferred = _OUR_TYPES.get(actual)
        if inferred is None:
            raise InvalidNumber(
                f"{number_string} is neither local, national, mobile nor toll-free",
                fix="give a number of one of those types",
            )
        return inferred
    if actual not in ACCEPTED_TYPES[requested]:
        raise InvalidNumber(
            f"{number_string} is not a {requested.value} number according to libphonenumber",
            fix="leave type out to infer it, or give a number of that type",
        )
    return requested


def _price(country: str, number_type: NumberType, number_string: str) -> MonthlyPrice:
    try:
        return monthly_price(country, number_type)
    except (KeyError, ValueError):
        raise InvalidNumber(
            f"the seed data has no {number_type.value} price in {country} for {number_string}",
            fix="give a monthlyPrice for it",
        ) from None


def _with_capabilities(number: GeneratedNumber, capabilities: tuple[str, ...]) -> GeneratedNumber:
    if not capabilities:
        return number
    granted = dataclasses.replace(number.capabilities, **dict.fromkeys(capabilities, True))
    return dataclasses.replace(number, capabilities=granted)


def _generation_fix(area_code: str | None) -> str:
    if area_code:
        return "use an area code the country's plan has for this type, or leave areaCode out"
    return "use a type this country's numbering plan has"
