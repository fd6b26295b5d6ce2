"""Pingram's number lifecycle for one account: order, list, release, released, reactivate.

Framework-free; runs inside the provider call's transaction, so a refused request changes
nothing. An account is the token's ``org`` claim, or its ``sub`` when it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, OwnedNumber, OwnerProvider
from app.lifecycle import mock_clock, ownership
from app.providers.pingram.errors import (
    PhoneNumberAlreadyOwned,
    PhoneNumberAlreadyReleased,
    PhoneNumberNotFound,
    PhoneNumberNotOwned,
    PhoneNumberOwnedByAnotherAccount,
    PhoneNumberUnavailable,
)
from app.stock import repository
from app.stock.changes import normalize_number_string

_SEARCH_FIX = "pick a phoneNumber from GET /numbers/available"


@dataclass(frozen=True, slots=True)
class AccountNumberRecord:
    """A number of an account, as of ``now`` on the mock clock: what the views render as
    Pingram's AccountNumber."""

    owned: OwnedNumber
    number: InventoryNumber
    now: datetime


def order_number(session: Session, *, account: str, phone_number: str) -> AccountNumberRecord:
    """Buy a number in stock, or reactivate one the account released within the hold."""
    number_string = normalize_number_string(phone_number)
    now = mock_clock.now(session)
    ownership.end_expired_holds(session, now)
    number = repository.find_number(session, number_string)
    if number is None:
        raise PhoneNumberNotFound(
            f"{number_string} is not a number of this provider's inventory", fix=_SEARCH_FIX
        )
    if repository.purchase_number_by_id(session, number.id, account):
        owned = ownership.record_ownership(
            session,
            number,
            provider=OwnerProvider.PINGRAM,
            owner_id=account,
            workspace_id=None,
            now=now,
        )
        return _account_number(session, owned, now)
    owned_or_none = ownership.find_ownership(session, number.id)
    if owned_or_none is None or owned_or_none.provider != OwnerProvider.PINGRAM.value:
        raise PhoneNumberUnavailable(
            f"{number_string} is not in stock: it was bought through another channel",
            fix=_SEARCH_FIX + " and order one that is listed there",
        )
    owned = owned_or_none
    if owned.owner_id != account:
        state = "holds it after releasing it" if owned.released_at else "owns it"
        raise PhoneNumberOwnedByAnotherAccount(
            f"{number_string} is not available: another account {state}",
            fix=_SEARCH_FIX + " and order one that is listed there",
        )
    if owned.released_at is None:
        raise PhoneNumberAlreadyOwned(
            f"{number_string} is already an active number of this account",
            fix="it is listed by GET /numbers/list; nothing to order",
        )
    if not ownership.reactivate(session, owned, now):
        raise PhoneNumberAlreadyOwned(  # another request reactivated it at the same moment
            f"{number_string} was reactivated by another request just now",
            fix="it is listed by GET /numbers/list; nothing to order",
        )
    return _account_number(session, owned, now)  # reactivated within the hold


def list_numbers(session: Session, *, account: str) -> list[AccountNumberRecord]:
    """The account's active numbers, oldest first."""
    return _account_numbers(session, account, released=False)


def list_released(session: Session, *, account: str) -> list[AccountNumberRecord]:
    """The account's numbers released within the hold (they may be ordered again)."""
    return _account_numbers(session, account, released=True)


def _account_numbers(
    session: Session, account: str, *, released: bool
) -> list[AccountNumberRecord]:
    now = mock_clock.now(session)
    ownership.end_expired_holds(session, now)  # so a held number past its hold is not listed
    rows = ownership.owned_numbers(
        session, provider=OwnerProvider.PINGRAM, owner_id=account, released=released
    )
    return [AccountNumberRecord(owned, number, now) for owned, number in rows]


def release_number(session: Session, *, account: str, phone_number: str) -> AccountNumberRecord:
    """Release an active number: out of the account's list, held for it for 14 days."""
    number_string = normalize_number_string(phone_number)
    now = mock_clock.now(session)
    ownership.end_expired_holds(session, now)
    number = repository.find_number(session, number_string)
    owned = ownership.find_ownership(session, number.id) if number is not None else None
    if (
        number is None
        or owned is None
        or owned.provider != OwnerProvider.PINGRAM.value
        or owned.owner_id != account
    ):
        raise PhoneNumberNotOwned(
            f"{number_string} is not a number of this account",
            fix="release one of the numbers GET /numbers/list returns",
        )
    if owned.released_at is not None or not ownership.release(session, owned, now):
        raise PhoneNumberAlreadyReleased(
            f"{number_string} was released already",
            fix="it is listed by GET /numbers/released; order it again to reactivate it",
        )
    return _account_number(session, owned, now)


def _account_number(session: Session, owned: OwnedNumber, now: datetime) -> AccountNumberRecord:
    """Re-read after conditional UPDATEs, which bypass the session's identity map."""
    fresh = ownership.find_ownership(session, owned.number_id)
    number = session.get(InventoryNumber, owned.number_id, populate_existing=True)
    assert fresh is not None
    assert number is not None
    return AccountNumberRecord(fresh, number, now)
