"""The seed's numbers, generated in a child process while the parent writes them.

Generating and writing a million numbers each take about half a minute of one core here;
overlapping them on two cores halves the seed. The child sends compact row tuples in batches
through a bounded queue (a few batches ahead at most, so memory stays flat); an error in the
child is raised in the parent, and a child that dies is noticed within a second.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.generator.inventory import generate_inventory
from app.generator.records import CAPABILITY_BITS, GeneratedNumber

SeedRow = tuple[Any, ...]
_AHEAD = 4  # batches the child may run ahead of the writer


@dataclass(frozen=True, slots=True)
class SeedBatch:
    rows: list[SeedRow]  # in the order of SEED_ROW_FIELDS
    cells: set[tuple[str, str, int]]  # (country, type, capability set) of these rows


# The inventory columns a seed row fills, in order ("status" and "origin" are constants).
SEED_ROW_FIELDS = (
    "id",
    "country_code",
    "number_string",
    "national_number",
    "number_type",
    "locality",
    "administrative_area",
    *CAPABILITY_BITS,  # voice_inbound ... whatsapp, the order of Capabilities' fields
    "capability_mask",
    "currency_code",
    "monthly_amount",
    "price_exponent",
)


def seed_row(number: GeneratedNumber) -> SeedRow:
    capabilities = number.capabilities
    price = number.monthly_price
    return (
        number.id.hex,  # both backends parse 32 hex digits as the UUID
        number.country_code,
        number.number_string,
        number.national_number,
        number.number_type.value,
        number.locality,
        number.administrative_area,
        capabilities.voice_inbound,
        capabilities.voice_outbound,
        capabilities.sms_inbound,
        capabilities.sms_outbound,
        capabilities.mms_inbound,
        capabilities.mms_outbound,
        capabilities.whatsapp,
        capabilities.mask,
        price.currency_code,
        price.amount,
        price.exponent,
    )


def seed_batches(seed: int, total: int | None, batch_size: int) -> Iterator[SeedBatch]:
    """The inventory of ``seed`` in batches, generated in the same order as in-process."""
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server process
    channel: multiprocessing.Queue[SeedBatch | str | None] = context.Queue(maxsize=_AHEAD)
    child = context.Process(
        target=_produce,
        args=(seed, total, batch_size, channel, os.getpid()),
        name="numbers-mock-seed",
    )
    child.daemon = True  # dies with the parent
    child.start()
    try:
        while True:
            try:
                message = channel.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(
                        f"the seed's generator process died (exit code {child.exitcode})"
                    ) from None
                continue
            if message is None:
                return
            if isinstance(message, str):
                raise ValueError(message)
            yield message
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        channel.close()


def _produce(
    seed: int,
    total: int | None,
    batch_size: int,
    channel: multiprocessing.Queue[SeedBatch | str | None],
    parent: int,
) -> None:
    def put(message: SeedBatch | str | None) -> None:
        # A parent killed with SIGKILL cannot stop us: stop when it is gone instead of
        # waiting forever on a full queue.
        while True:
            try:
                channel.put(message, timeout=1)
                return
            except queue.Full:
                if os.getppid() != parent:
                    # os._exit: a normal exit would wait for the queue's feeder thread to
                    # flush into a pipe that nobody reads any more.
                    os._exit(1)

    numbers = generate_inventory(seed, total)
    try:
        while batch := list(itertools.islice(numbers, batch_size)):
            put(
                SeedBatch(
                    rows=[seed_row(number) for number in batch],
                    cells={
                        (n.country_code, n.number_type.value, n.capabilities.mask) for n in batch
                    },
                )
            )
    except ValueError as error:  # e.g. more numbers asked for than a plan holds
        put(str(error))
        return
    put(None)
