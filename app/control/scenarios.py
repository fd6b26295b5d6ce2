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
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.control import actions
from app.control.schemas import AddNumbersRequest, FaultRequest, RateLimitRequest, StockType
from app.db.models import OwnerProvider
from app.providers.bird.stock_filters import stock_items_query
from app.scripting import script
from app.stock import changes


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not validate; the message names the line."""


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PurchaseStep(_Step):
    """A number someone bought already: sold elsewhere, or (with ``provider``) a number a
    Pingram account or a Bird workspace owns when the story starts."""

    numberString: str
    organizationId: str = Field(min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN)
    provider: Literal["bird", "pingram"] | None = None
    workspaceId: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )


class SoldOutStep(_Step):
    """Sell every number in stock that matches, like the stock-items API's filters."""

    countryCodes: list[str] = Field(min_length=1)
    prefix: str | None = None
    types: list[StockType] | None = None
    organizationId: str = Field(
        default="scenario", min_length=1, max_length=256, pattern=IDENTIFIER_PATTERN
    )


class Scenario(_Step):
    description: str | None = None
    numbers: list[AddNumbersRequest] = []
    purchases: list[PurchaseStep] = []
    soldOut: list[SoldOutStep] = []
    faults: list[FaultRequest] = []
    rateLimits: list[RateLimitRequest] = []


class ScenarioResult(_Step):
    numbersAdded: int
    purchased: int
    soldOut: int
    faults: int
    rateLimits: int


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
        changes.purchase(
            session,
            purchase.numberString,
            purchase.organizationId,
            provider=OwnerProvider(purchase.provider) if purchase.provider else None,
            workspace_id=purchase.workspaceId,
        )
    sold_out = sum(_sell_out(session, step) for step in scenario.soldOut)
    for fault in scenario.faults:
        script.create_fault(session, actions.fault_spec(fault))
    for limit in scenario.rateLimits:
        script.create_rate_limit(
            session,
            operation=limit.operation,
            limit=limit.limit,
            window_seconds=limit.windowSeconds,
            organization_id=limit.organizationId,
        )
    return ScenarioResult(
        numbersAdded=added,
        purchased=len(scenario.purchases),
        soldOut=sold_out,
        faults=len(scenario.faults),
        rateLimits=len(scenario.rateLimits),
    )


def _sell_out(session: Session, step: SoldOutStep) -> int:
    query = stock_items_query(step.countryCodes, step.prefix, step.types or ())
    return changes.sell_out(session, query, step.organizationId)


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
