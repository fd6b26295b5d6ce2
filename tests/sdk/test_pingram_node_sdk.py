"""Pingram's official Node SDK (npm pingram 1.0.14), unchanged, against numbers-mock.

``tests/sdk/node/lifecycle.mjs`` runs a number's whole lifecycle through the SDK and checks
every answer with node:assert; this test runs it against the plugin's server and checks its
transcript against the server's own view. Node is a needed tool: without it the test fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from numbers_mock_testing import NumbersMock

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "lifecycle.mjs"
ACCOUNT = "node-sdk-acct"
INSTALL_TIMEOUT_SECONDS = 300
RUN_TIMEOUT_SECONDS = 120


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: the Node SDK tests need Node.js >= 18 and npm")
    return path


def _locked_version() -> str:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    version: str = lock["packages"]["node_modules/pingram"]["version"]
    return version


def _installed_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "pingram" / "package.json"
    if not manifest.is_file():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def _node_with_the_sdk() -> str:
    """`node`, with the locked SDK installed in tests/sdk/node (`npm ci` when it is not)."""
    executable = _tool("node")
    if _installed_version() != _locked_version():
        installed = subprocess.run(
            [_tool("npm"), "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}{installed.stderr}"
        assert _installed_version() == _locked_version()
    return executable


def test_the_node_sdk_runs_the_whole_lifecycle(numbers_mock: NumbersMock) -> None:
    node = _node_with_the_sdk()
    run = subprocess.run(
        [node, str(SCRIPT), numbers_mock.url, numbers_mock.token(org=ACCOUNT)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert run.returncode == 0, f"lifecycle.mjs failed:\n{run.stderr}\n{run.stdout}"
    transcript: dict[str, Any] = json.loads(run.stdout)
    assert transcript["sdk"] == f"pingram@{_locked_version()}" == "pingram@1.0.14"
    steps = {step.pop("step"): step for step in transcript["steps"]}
    assert list(steps) == [
        "searchAvailable",
        "orderNumber",
        "list",
        "releaseNumber",
        "listReleased",
        "reactivate",
        "orderOwnedNumber",
        "orderUnknownNumber",
        "badToken",
    ]
    number = transcript["phoneNumber"]
    assert number.startswith("+1415")
    assert steps["searchAvailable"]["count"] == 5
    assert {"sms", "voice"} <= set(steps["searchAvailable"]["features"])
    assert steps["orderNumber"] == {
        "orderId": steps["orderNumber"]["orderId"],
        "status": "success",
        "phoneNumber": number,
    }
    [owned] = steps["list"]["numbers"]
    assert owned["billingStatus"] == "active"
    assert owned["monthlyPrice"] == steps["searchAvailable"]["monthlyPrice"]
    [held] = steps["listReleased"]["numbers"]
    assert held["billingStatus"] == "released"
    assert held["releasedAt"] == steps["releaseNumber"]["releasedAt"]
    assert steps["reactivate"]["createdAt"] == owned["createdAt"]
    assert steps["reactivate"]["orderId"] != steps["orderNumber"]["orderId"]
    assert (steps["orderOwnedNumber"]["status"], steps["orderOwnedNumber"]["code"]) == (
        400,
        "phone_number_already_owned",
    )
    assert (steps["orderUnknownNumber"]["status"], steps["orderUnknownNumber"]["code"]) == (
        400,
        "phone_number_not_found",
    )
    assert (steps["badToken"]["status"], steps["badToken"]["code"]) == (401, "invalid_token")

    # The server's side of the same story.
    owner = numbers_mock.number(number)["owner"]
    assert (owner["provider"], owner["organizationId"]) == ("pingram", ACCOUNT)
    assert owner["orderId"] == steps["reactivate"]["orderId"]
    journal = [(r.operation, r.status) for r in numbers_mock.requests(organization_id=ACCOUNT)]
    assert journal == [
        ("searchAvailableNumbers", 200),
        ("numbersOrderNumber", 200),
        ("numbersList", 200),
        ("numbersReleaseNumber", 200),
        ("numbersList", 200),
        ("numbersListReleased", 200),
        ("numbersOrderNumber", 200),
        ("numbersList", 200),
        ("numbersListReleased", 200),
        ("numbersOrderNumber", 400),
        ("numbersOrderNumber", 400),
    ]
