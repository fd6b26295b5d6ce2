"""Control API bodies (also a scenario's steps) turned into service calls: one place for both."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.control.schemas import AddNumbersRequest, ExplicitNumber
from app.db.models import InventoryNumber
from app.generator.records import Capabilities, MonthlyPrice, NumberType
from app.journal import repository as journal_repository
from app.lifecycle import mock_clock, ownership
from app.providers.parameters import STOCK_FEATURES
from app.scripting import repository as scripting_repository
from app.stock import changes, repository


def add_numbers(session: Session, body: AddNumbersRequest, *, seed: int) -> list[InventoryNumber]:
    """Generate numbers, or add the named ones, as the body asks."""
    if body.numbers is not None:
        return changes.add_explicit_numbers(
            session, seed=seed, numbers=[_explicit(item) for item in body.numbers]
        )
    # The body's validator guarantees these in the generating form.
    assert body.country_code is not None
    assert body.type is not None
    assert body.count is not None
    return changes.add_generated_numbers(
        session,
        seed=seed,
        country_code=body.country_code,
        number_type=NumberType(body.type),
        count=body.count,
        area_code=body.area_code,
        capabilities=tuple(STOCK_FEATURES[feature] for feature in body.features or []),
    )


def _explicit(item: ExplicitNumber) -> changes.NumberToAdd:
    capabilities = None
    if item.capabilities is not None:
        given = item.capabilities
        capabilities = Capabilities(
            voice_inbound=given.voice.inbound,
            voice_outbound=given.voice.outbound,
            sms_inbound=given.sms.inbound,
            sms_outbound=given.sms.outbound,
            mms_inbound=given.mms.inbound,
            mms_outbound=given.mms.outbound,
            whatsapp=bool(item.whatsapp),
        )
    price = None
    if item.monthly_price is not None:
        given_price = item.monthly_price
        price = MonthlyPrice(given_price.currencyCode, given_price.amount, given_price.exponent)
    return changes.NumberToAdd(
        number_string=item.number_string,
        number_type=NumberType(item.type) if item.type else None,
        locality=item.locality,
        administrative_area=item.administrative_area,
        capabilities=capabilities,
        monthly_price=price,
    )


def reset(session: Session) -> None:
    """Inventory back to the seed; owners, faults, rate limits, journal and clock cleared."""
    ownership.clear(session)
    mock_clock.reset(session)
    repository.restore_seeded_inventory(session)
    scripting_repository.delete_all_faults(session)
    scripting_repository.delete_all_rate_limits(session)
    journal_repository.clear(session)
