"""Scenario files: a demo environment's story in YAML, validated with the line of each error.

```yaml
# The US is sold out of 415 numbers; Pingram answers 502 one time in ten.
soldOut:
  - countryCodes: [US]
    prefix: "415"
faults:
  - operation: searchAvailableNumbers
    status: 502
    probability: 0.1
```

Applying one resets the server to its seed first, so a story always starts from the same
state, however often it is applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import Field, StrictBool, ValidationError, model_validator
from sqlalchemy.orm import Session

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.control import actions
from app.control.schemas import (
    AddNumbersRequest,
    RequestBody,
    ResponseBody,
    StockType,
)
from app.control.script_schemas import (
    FaultRequest,
    RateLimitRequest,
)
from app.db.models import OwnerProvider
from app.lifecycle import mock_clock, ownership
from app.providers.registry import stock_items_query
from app.scripting import script
from app.stock import changes


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not validate; the message names the line."""


class PurchaseStep(RequestBody):
    """A number someone bought already: sold elsewhere, or (with ``provider``) a number a
    Pingram account or a Bird workspace owns when the story starts; with ``cancelled`` (Bird
    only), one whose subscription was cancelled: it leaves the workspace for the stock at
    the end of its first month (its deprovisionAt, mock clock)."""

    number_string: str
    organization_id: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    provider: Literal["bird", "pingram"] | None = None
    workspace_id: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )
    cancelled: StrictBool = False

    @model_validator(mode="after")
    def _cancelled_is_birds(self) -> Self:
        if self.cancelled and self.provider != "bird":
            raise ValueError('cancelled is for numbers bought through Bird: add provider: "bird"')
        return self


class SoldOutStep(RequestBody):
    """Sell every number in stock that matches, like the stock-items API's filters."""

    country_codes: list[str] = Field(min_length=1)
    prefix: str | None = None
    types: list[StockType] | None = None
    organization_id: str = Field(
        default="scenario", min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )


class Scenario(RequestBody):
    description: str | None = None
    numbers: list[AddNumbersRequest] = Field(default=[])
    purchases: list[PurchaseStep] = Field(default=[])
    sold_out: list[SoldOutStep] = Field(default=[])
    faults: list[FaultRequest] = Field(default=[])
    rate_limits: list[RateLimitRequest] = Field(default=[])


class ScenarioResult(ResponseBody):
    numbers_added: int
    purchased: int
    sold_out: int
    faults: int
    rate_limits: int


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; ``ScenarioError`` says ``file:line: what``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc.strerror}") from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioError(
            f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if data is not None and not isinstance(data, dict):
        raise ScenarioError(f"{source}:1: a scenario is a mapping of numbers, purchases, ...")
    try:
        return Scenario.model_validate(data or {})
    except ValidationError as exc:
        error = exc.errors()[0]
        location = [part for part in error["loc"] if not isinstance(part, str) or part]
        where = ".".join(str(part) for part in location) or "scenario"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ScenarioError(f"{source}:{_line(root, location)}: {where}: {message}") from None


def apply_scenario(session: Session, scenario: Scenario, *, seed: int) -> ScenarioResult:
    """Reset to the seed, then play the story; all in the caller's transaction."""
    actions.reset(session)
    added = 0
    for step in scenario.numbers:
        added += len(actions.add_numbers(session, step, seed=seed))
    for purchase in scenario.purchases:
        number = changes.purchase(
            session,
            purchase.number_string,
            purchase.organization_id,
            provider=OwnerProvider(purchase.provider) if purchase.provider else None,
            workspace_id=purchase.workspace_id,
        )
        if purchase.cancelled:
            owned = ownership.find_ownership(session, number.id)
            assert owned is not None  # bought through Bird just above
            ownership.cancel_subscription(session, owned, mock_clock.now(session))
    sold_out = sum(_sell_out(session, step) for step in scenario.sold_out)
    for fault in scenario.faults:
        script.create_fault(session, fault.spec())
    for limit in scenario.rate_limits:
        script.create_rate_limit(session, limit.spec())
    return ScenarioResult(
        numbers_added=added,
        purchased=len(scenario.purchases),
        sold_out=sold_out,
        faults=len(scenario.faults),
        rate_limits=len(scenario.rate_limits),
    )


def _sell_out(session: Session, step: SoldOutStep) -> int:
    query = stock_items_query(step.country_codes, step.prefix, step.types or ())
    return changes.sell_out(session, query, step.organization_id)


def _line(node: yaml.Node | None, location: list[int | str]) -> int:
    """The 1-based line of the deepest YAML node on ``location`` that exists."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in location:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
