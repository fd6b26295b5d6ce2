"""Pingram's next billing date: the monthly anniversary of the purchase after today."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.providers.pingram.views import next_billing_date

BOUGHT = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2027, 1, 31), date(2027, 2, 28)),  # bought today: charged today, next month next
        (date(2027, 2, 27), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2027, 3, 31)),  # a short month bills on its last day
        (date(2027, 3, 1), date(2027, 3, 31)),
        (date(2027, 12, 31), date(2028, 1, 31)),
        (date(2028, 2, 28), date(2028, 2, 29)),  # a leap year
        (date(8999, 6, 15), date(8999, 6, 30)),  # far ahead: computed, not counted month by month
    ],
)
def test_next_billing_date(today: date, due: date) -> None:
    now = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    assert next_billing_date(BOUGHT, now) == due
