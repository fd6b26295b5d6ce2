"""Monthly billing periods on the mock clock: a subscription bought at ``subscribed_at``
renews on the same day of every month (the last day of a shorter month), at the same time.

Pure functions; Bird's subscriptions and cancellation read them.
"""

from __future__ import annotations

import calendar
from datetime import datetime


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months later; the day clamped to the month's last."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def paid_period(subscribed_at: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The period ``now`` falls in: [start, end), monthly from ``subscribed_at`` (the first
    period when ``now`` is earlier)."""
    months = max(0, (now.year - subscribed_at.year) * 12 + now.month - subscribed_at.month)
    start = add_months(subscribed_at, months)
    while start > now and months > 0:
        months -= 1
        start = add_months(subscribed_at, months)
    end = add_months(subscribed_at, months + 1)
    while end <= now:
        months += 1
        start, end = end, add_months(subscribed_at, months + 1)
    return start, end
