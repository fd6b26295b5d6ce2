"""Tracking ids: unique, time-ordered UUIDs (the journal indexes them)."""

from __future__ import annotations

import time
import uuid

from app.web.tracking import new_tracking_id


def test_tracking_ids_are_version_7_uuids_in_the_order_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    ids = [new_tracking_id() for _ in range(2000)]
    after = time.time_ns() // 1_000_000
    parsed = [uuid.UUID(tracking_id) for tracking_id in ids]
    assert [str(value) for value in parsed] == ids  # the canonical spelling
    assert {(value.version, value.variant) for value in parsed} == {(7, uuid.RFC_4122)}
    assert len(set(ids)) == len(ids)
    milliseconds = [value.int >> 80 for value in parsed]
    assert milliseconds == sorted(milliseconds)
    assert before <= milliseconds[0]
    assert milliseconds[-1] <= after
