"""The console's Script tab scripts transport faults, delay distributions and dribbled bodies;
its Requests tab shows the requests they broke, in a real Chromium against a real server."""

from __future__ import annotations

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

from numbers_mock_testing import NumbersMock
from tests.browser.conftest import Console


def test_transport_faults_and_delay_distributions_through_the_form(
    console: Console, numbers_mock: NumbersMock
) -> None:
    page = console.page
    console.sign_in()
    console.open_tab("Script")
    faults = page.get_by_role("region", name="Faults")
    status = faults.get_by_label("Status", exact=True)

    # A connection reset on Pingram's order: a transport fault sends no status.
    faults.get_by_label("Preset").select_option("outage")
    expect(status).to_have_value("502")
    faults.get_by_label("Transport fault").select_option("connection_reset")
    expect(status).to_be_hidden()
    expect(faults.get_by_label("Body in chunks")).to_be_hidden()
    expect(faults.get_by_label("Hang for (ms)")).to_be_hidden()
    faults.get_by_label("Operation").select_option("numbersOrderNumber")
    faults.get_by_label("Times").fill("1")
    faults.get_by_role("button", name="Add fault").click()
    reset = page.locator('#faults-table tr[data-operation="numbersOrderNumber"]')
    expect(reset).to_contain_text("reset the connection")
    expect(reset.locator("td").nth(3)).to_have_text("1")

    # A hang that the server gives up on after two seconds, on Bird's purchase.
    faults.get_by_label("Preset").select_option("hang")
    expect(faults.get_by_label("Transport fault")).to_have_value("hang")
    faults.get_by_label("Hang for (ms)").fill("2000")
    faults.get_by_label("Operation").select_option("createLongCodeNumbers")
    faults.get_by_role("button", name="Add fault").click()
    hang = page.locator('#faults-table tr[data-operation="createLongCodeNumbers"]')
    expect(hang).to_contain_text("hang, close after 2000 ms")

    # A lognormal delay on Bird's search: its median and sigma instead of a fixed delay.
    faults.get_by_label("Preset").select_option("latency")
    expect(status).to_be_visible()
    expect(faults.get_by_label("Delay (ms)")).to_have_value("2000")
    faults.get_by_label("Delay", exact=True).select_option("lognormal")
    expect(faults.get_by_label("Delay (ms)")).to_be_hidden()
    faults.get_by_label("Median (ms)").fill("150")
    faults.get_by_label("Sigma").fill("0.5")
    faults.get_by_label("Operation").select_option("listStockItems")
    faults.get_by_role("button", name="Add fault").click()
    slow = page.locator('#faults-table tr[data-operation="listStockItems"]')
    expect(slow).to_contain_text("delay ~150 ms (lognormal, sigma 0.5)")

    # A uniform delay and a dribbled 503 on Pingram's search.
    faults.get_by_label("Preset").select_option("dribble")
    faults.get_by_label("Status", exact=True).fill("503")
    faults.get_by_label("Delay", exact=True).select_option("uniform")
    faults.get_by_label("From (ms)").fill("10")
    faults.get_by_label("To (ms)").fill("40")
    faults.get_by_label("Operation").select_option("searchAvailableNumbers")
    faults.get_by_role("button", name="Add fault").click()
    dribbled = page.locator('#faults-table tr[data-operation="searchAvailableNumbers"]')
    expect(dribbled).to_contain_text("fail 503, delay 10 to 40 ms (uniform)")
    expect(dribbled).to_contain_text("body in 10 chunks over 5000 ms")

    scripted = {fault["operation"]: fault for fault in numbers_mock.faults()}
    assert len(scripted) == 4
    order = scripted["numbersOrderNumber"]
    assert (order["fault"], order["status"], order["times"]) == ("connection_reset", None, 1)
    assert (
        scripted["createLongCodeNumbers"]["fault"],
        scripted["createLongCodeNumbers"]["hangMs"],
    ) == (
        "hang",
        2000,
    )
    search = scripted["listStockItems"]
    assert search["delay"] == {"distribution": "lognormal", "medianMs": 150, "sigma": 0.5}
    assert (search["delayMs"], search["status"], search["fault"]) == (None, None, None)
    pingram = scripted["searchAvailableNumbers"]
    assert pingram["delay"] == {"distribution": "uniform", "lowerMs": 10, "upperMs": 40}
    assert (pingram["status"], pingram["dribble"]) == (503, {"chunks": 10, "totalMs": 5000})


def test_a_refused_fault_shows_the_servers_message_and_fix(
    console: Console, numbers_mock: NumbersMock
) -> None:
    page = console.page
    console.sign_in()
    console.open_tab("Script")
    faults = page.get_by_role("region", name="Faults")
    faults.get_by_label("Preset").select_option("latency")
    faults.get_by_label("Delay", exact=True).select_option("uniform")
    faults.get_by_label("From (ms)").fill("500")
    faults.get_by_label("To (ms)").fill("100")
    faults.get_by_role("button", name="Add fault").click()
    expect(page.locator("#error")).to_contain_text("lowerMs")
    expect(page.locator("#error")).to_contain_text("Fix: ")
    assert numbers_mock.faults() == []

    # The browser asks for what a lognormal delay needs before anything is sent.
    faults.get_by_label("Delay", exact=True).select_option("lognormal")
    faults.get_by_role("button", name="Add fault").click()
    median = faults.get_by_label("Median (ms)")
    assert median.evaluate("input => input.validity.valueMissing")
    assert numbers_mock.faults() == []


def _script(numbers_mock: NumbersMock, admin_key: str, **fault: object) -> None:
    response = httpx.post(
        f"{numbers_mock.url}/_mock/faults",
        json=fault,
        headers={"Authorization": f"Bearer {admin_key}"},
        trust_env=False,
    )
    assert response.status_code == 201, response.text


def test_requests_broken_by_transport_faults_show_in_the_journal(
    console: Console, numbers_mock: NumbersMock, admin_key: str
) -> None:
    page = console.page
    operation = "searchAvailableNumbers"
    _script(numbers_mock, admin_key, operation=operation, fault="connection_reset", times=1)
    _script(numbers_mock, admin_key, operation=operation, fault="truncated_body", times=1)
    token = numbers_mock.token(org="acme")
    with httpx.Client(base_url=numbers_mock.url, trust_env=False) as client:
        for _ in range(2):
            with pytest.raises(httpx.TransportError):
                client.get(
                    "/numbers/available",
                    params={"countryCode": "US"},
                    headers={"Authorization": f"Bearer {token}"},
                )
        answered = client.get(
            "/numbers/available",
            params={"countryCode": "GB"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answered.status_code == 200

    console.sign_in()
    console.open_tab("Requests")
    # (The console's own search of the stock, on signing in, is journaled too.)
    rows = page.locator("#requests-table tbody tr").filter(has_text=operation)
    expect(rows).to_have_count(3)
    statuses = rows.locator("td:nth-child(2)")
    expect(statuses).to_have_text(["200", "200 truncated", "reset"])  # newest first
    expect(statuses.nth(2).locator(".fault")).to_have_attribute("title", "connection_reset")

    rows.nth(2).get_by_role("button", name="GET /numbers/available?countryCode=US").click()
    detail = page.locator("#request-detail")
    expect(detail).to_contain_text("transport fault connection_reset")
    expect(detail.get_by_role("heading", name="Response reset")).to_be_visible()

    only = page.get_by_role("tabpanel", name="Requests").get_by_label("Transport fault")
    only.select_option("truncated_body")
    expect(rows).to_have_count(1)
    expect(statuses).to_have_text(["200 truncated"])
    only.select_option("")
    expect(rows).to_have_count(3)
