"""Control API bodies (also a scenario's steps) turned into service calls: one place for both."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.control.schemas import AddNumbersRequest, ExplicitNumber, FaultRequest
from app.db.models import InventoryNumber
from app.generator.records import Capabilities, MonthlyPrice, NumberType
from app.journal import repository as journal_repository
from app.lifecycle import mock_clock, ownership
from app.providers.parameters import STOCK_FEATURES
from app.scripting import repository as scripting_repository
from app.scripting import script
from app.stock import changes, repository


def add_numbers(session: Session, body: AddNumbersRequest, *, seed: int) -> list[InventoryNumber]:
    """Generate numbers, or add the named ones, as the body asks."""
    if body.numbers is not None:
        return changes.add_explicit_numbers(
            session, seed=seed, numbers=[_explicit(item) for item in body.numbers]
        )
    # The body's validator guarantees these in the generating form.
    assert body.countryCode is not None
    assert body.type is not None
    assert body.count is not None
    return changes.add_generated_numbers(
        session,
        seed=seed,
        country_code=body.countryCode,
        number_type=NumberType(body.type),
        count=body.count,
        area_code=body.areaCode,
        capabilities=tuple(STOCK_FEATURES[feature] for feature in body.features or []),
    )


def fault_spec(body: FaultRequest) -> script.FaultSpec:
    return script.FaultSpec(
        operation=body.operation,
        organization_id=body.organizationId,
        status=body.status,
        code=body.code,
        message=body.message,
        fix=body.fix,
        provider=body.provider,
        provider_code=body.providerCode,
        delay_ms=body.delayMs,
        times=body.times,
        probability=body.probability,
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
    if item.monthlyPrice is not None:
        price = MonthlyPrice(
            item.monthlyPrice.currencyCode, item.monthlyPrice.amount, item.monthlyPrice.exponent
        )
    return changes.NumberToAdd(
        number_string=item.numberString,
        number_type=NumberType(item.type) if item.type else None,
        locality=item.locality,
        administrative_area=item.administrativeArea,
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
