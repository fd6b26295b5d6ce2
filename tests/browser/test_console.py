"""The console (GET /) in a real Chromium, used the way a person uses it, against a real
``numbers-mock serve``. Each test saves its panel's screenshot to docs/console/."""

from __future__ import annotations

import time

import httpx2 as httpx
from playwright.sync_api import expect

from numbers_mock_testing import NumbersMock
from tests.browser.conftest import Console


def test_the_key_prompt_shows_nothing_of_the_inventory(console: Console) -> None:
    page = console.page
    page.goto(console.url + "/")
    expect(page.get_by_role("heading", name="Enter the admin key")).to_be_visible()
    expect(page.get_by_text("NUMBERS_MOCK_ADMIN_KEY").first).to_be_visible()
    expect(page.get_by_text("numbers-mock-development-admin-key")).to_be_visible()
    expect(page.get_by_role("tablist")).to_be_hidden()
    assert page.locator("tr[data-number]").count() == 0
    assert not [url for url in console.requests if "/_mock/" in url], "asked before the key"
    console.screenshot("login")

    page.get_by_label("Admin key", exact=True).fill("not-the-key")
    page.get_by_role("button", name="Open the console").click()
    expect(page.locator("#login-error")).to_contain_text("invalid_admin_key")
    expect(page.locator("#login-error")).to_contain_text("Fix: ")
    expect(page.get_by_role("tablist")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0, "a refused key is not kept"

    page.get_by_label("Admin key", exact=True).fill(console.admin_key)
    page.get_by_role("button", name="Open the console").click()
    expect(page.get_by_role("tab", name="Stock", selected=True)).to_be_focused()
    expect(page.locator("#stock-table tr[data-number]").first).to_be_visible()
    assert all(console.admin_key not in url for url in [page.url, *console.requests])

    page.reload()  # the same tab keeps the key
    expect(page.locator("#stock-table tr[data-number]").first).to_be_visible()
    page.get_by_role("button", name="Forget the admin key").click()
    expect(page.get_by_role("heading", name="Enter the admin key")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0

    # The guard the fixture puts on the page does catch a request to another host.
    assert page.evaluate("fetch('https://example.com/').then(() => 'sent', () => 'blocked')") == (
        "blocked"
    )
    assert console.outside == ["https://example.com/"]
    console.outside.clear()


def test_buy_script_an_outage_and_watch_it_in_the_journal(
    console: Console, numbers_mock: NumbersMock
) -> None:
    page = console.page
    console.sign_in()

    # Stock: Bird's search, US and 415.
    page.get_by_label("Countries").fill("US")
    page.get_by_label("Area code or +prefix").fill("415")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#stock-request")).to_have_text(
        "GET /organizations/console/numbers-stock-items?countryCodes=US&prefix=415&limit=10"
    )
    expect(page.locator("#stock-table")).not_to_have_attribute("aria-busy", "true")
    rows = page.locator("#stock-table tr[data-number]")
    expect(rows).to_have_count(10)
    numbers = rows.evaluate_all("rows => rows.map(row => row.dataset.number)")
    assert all(number.startswith("+1415") for number in numbers)
    number = numbers[0]

    page.get_by_role("button", name=f"JSON views of {number}").click()
    views = page.locator(".views-row")
    expect(views.get_by_role("heading", name="Bird's stock item")).to_be_visible()
    expect(views.locator("pre").first).to_contain_text(f'"numberString": "{number}"')
    expect(views.locator("pre").nth(1)).to_contain_text(f'"phoneNumber": "{number}"')
    expect(views.locator("pre").nth(1)).to_contain_text('"phoneNumberType": "local"')
    console.screenshot("stock")

    # Buy it into a Bird workspace: it leaves the stock list.
    page.get_by_role("button", name=f"Buy {number}").click()
    dialog = page.get_by_role("dialog", name="Buy a number")
    dialog.get_by_label("Organization or account").fill("acme")
    dialog.get_by_label("As if bought through").select_option("bird")
    dialog.get_by_label("Workspace").fill("ws-demo")
    dialog.get_by_role("button", name="Buy", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_contain_text(f"Bought {number} for acme")
    expect(page.locator(f'#stock-table tr[data-number="{number}"]')).to_have_count(0)
    expect(rows).to_have_count(10)
    owner = numbers_mock.number(number)["owner"]
    assert (owner["provider"], owner["organizationId"], owner["workspaceId"]) == (
        "bird",
        "acme",
        "ws-demo",
    )

    # Owners: it is acme's, in workspace ws-demo.
    numbers_mock.purchase(numbers[1], "globex", provider="pingram")
    console.open_tab("Owners")
    panel = page.get_by_role("tabpanel", name="Owners")
    owned = page.locator(f'#owners-table tr[data-number="{number}"]')
    expect(owned).to_contain_text("acme")
    expect(owned).to_contain_text("ws-demo")
    expect(page.locator(f'#owners-table tr[data-number="{numbers[1]}"]')).to_contain_text("globex")
    panel.get_by_label("Organization or account").fill("acme")
    panel.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#owners-table tr[data-number]")).to_have_count(1)
    panel.get_by_label("Organization or account").fill("")
    panel.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#owners-table tr[data-number]")).to_have_count(2)
    console.screenshot("owners")

    # Script: a carrier outage on Pingram's search.
    console.open_tab("Script")
    faults = page.get_by_role("region", name="Faults")
    faults.get_by_label("Preset").select_option("outage")
    faults.get_by_label("Operation").select_option("searchAvailableNumbers")
    faults.get_by_role("button", name="Add fault").click()
    fault = page.locator('#faults-table tr[data-operation="searchAvailableNumbers"]')
    expect(fault).to_contain_text("fail 502")
    [scripted] = numbers_mock.faults()
    assert (scripted["operation"], scripted["status"], scripted["times"]) == (
        "searchAvailableNumbers",
        502,
        None,
    )

    # Requests: the client's call shows up live.
    console.open_tab("Requests")
    expect(page.locator("#requests-table tbody tr").first).to_be_visible()
    token = numbers_mock.token(org="acme")
    with httpx.Client(base_url=numbers_mock.url, trust_env=False) as client:
        answer = client.get(
            "/numbers/available",
            params={"countryCode": "GB"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 502
    called = time.monotonic()
    entry = page.locator(
        f'#requests-table tr[data-tracking-id="{answer.headers["X-Tracking-Id"]}"]'
    )
    expect(entry).to_contain_text("502", timeout=2000)
    assert time.monotonic() - called < 2
    expect(entry).to_contain_text("searchAvailableNumbers")
    expect(entry).to_contain_text("acme")
    expect(page.locator("#requests-table tbody tr").first).to_have_attribute(
        "data-tracking-id", answer.headers["X-Tracking-Id"]
    )  # newest first

    entry.get_by_role("button", name="GET /numbers/available?countryCode=GB").click()
    detail = page.locator("#request-detail")
    response = detail.get_by_role("region", name="Response")
    expect(response.locator("pre.body")).to_contain_text(answer.json()["error"]["message"])
    expect(response.locator("pre.body")).to_contain_text('"code": "provider_error"')
    expect(detail.get_by_role("region", name="Request")).not_to_contain_text(token)
    console.screenshot("requests", quiet=True)

    # The fault counts what it did; then reset everything.
    console.open_tab("Script")
    expect(fault.locator(".fired")).to_have_text("1")
    console.screenshot("script", quiet=True)
    page.once("dialog", lambda question: question.accept())
    page.get_by_role("button", name="Reset numbers-mock…").click()
    expect(page.get_by_role("status")).to_contain_text("Reset:")
    expect(page.locator("#faults-table")).to_contain_text("No fault")
    assert numbers_mock.faults() == []
    assert numbers_mock.number(number)["status"] == "in_stock"
    assert numbers_mock.requests() == []


def test_the_tab_list_works_with_the_keyboard_alone(console: Console) -> None:
    page = console.page
    page.goto(console.url + "/")
    expect(page.get_by_label("Admin key", exact=True)).to_be_focused()
    page.keyboard.type(console.admin_key)
    page.keyboard.press("Enter")
    stock = page.get_by_role("tab", name="Stock")
    expect(stock).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    for key, name in [
        ("ArrowRight", "Owners"),
        ("ArrowRight", "Script"),
        ("End", "Tokens"),
        ("ArrowRight", "Stock"),
        ("ArrowLeft", "Tokens"),
        ("Home", "Stock"),
        ("ArrowLeft", "Tokens"),
    ]:
        page.keyboard.press(key)
        tab = page.get_by_role("tab", name=name)
        expect(tab).to_be_focused()
        expect(tab).to_have_attribute("aria-selected", "true")
        expect(page.get_by_role("tabpanel", name=name)).to_be_visible()
    assert page.get_by_role("tab", selected=False).count() == 4
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the others are hidden

    # Tab leaves the tab list for the panel, then its first field; Enter submits.
    page.keyboard.press("Tab")
    expect(page.get_by_role("tabpanel", name="Tokens")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#token-org")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#token-value")).to_be_visible()


def test_no_panel_overflows_a_phone_screen(phone: Console) -> None:
    page = phone.page
    page.goto(phone.url + "/")
    expect(page.get_by_role("heading", name="Enter the admin key")).to_be_visible()
    assert _overflow(phone) == 0
    phone.sign_in()
    expect(page.locator("#stock-table tr[data-number]").first).to_be_visible()
    for name in ["Stock", "Owners", "Script", "Requests", "Tokens"]:
        phone.open_tab(name)
        expect(page.get_by_role("tabpanel", name=name)).to_be_visible()
        assert _overflow(phone) == 0, f"the {name} panel is wider than the phone"
    phone.open_tab("Stock")
    page.get_by_label("Countries").fill("US")
    page.get_by_label("Area code or +prefix").fill("415")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#stock-table")).not_to_have_attribute("aria-busy", "true")
    phone.screenshot("phone")
    page.locator("#stock-table tr[data-number]").first.get_by_role(
        "button", name="JSON views of"
    ).click()
    expect(page.locator(".views-row pre").nth(1)).to_contain_text("phoneNumber")
    assert _overflow(phone) == 0, "the JSON views are wider than the phone"


def test_the_tokens_panel_gives_credentials_that_work(
    console: Console, numbers_mock: NumbersMock
) -> None:
    page = console.page
    console.sign_in()
    console.open_tab("Tokens")

    keys = page.get_by_role("region", name="Access key (Bird)")
    keys.get_by_label("Organization").fill("acme")
    keys.get_by_label("Workspaces (comma-separated)").fill("ws-1")
    keys.get_by_role("button", name="Mint access key").click()
    access_key = page.locator("#key-value").inner_text().strip()
    snippets = page.locator("#key-output pre")
    expect(snippets.nth(1)).to_contain_text(f"curl -s -H 'Authorization: AccessKey {access_key}'")
    expect(snippets.nth(1)).to_contain_text(
        f"'{numbers_mock.url}/organizations/acme/numbers-stock-items?countryCodes=US&limit=5'"
    )

    tokens = page.get_by_role("region", name="Bearer token (both APIs)")
    tokens.get_by_label("Organization").fill("acme")
    tokens.get_by_role("button", name="Mint token").click()
    token = page.locator("#token-value").inner_text().strip()
    expect(page.locator("#token-output")).to_contain_text(
        f'Pingram(api_key="{token}", base_url="{numbers_mock.url}")'
    )
    console.screenshot("tokens", quiet=True)

    with httpx.Client(base_url=numbers_mock.url, trust_env=False) as client:
        bird = client.get(  # what the curl command sends
            "/organizations/acme/numbers-stock-items",
            params={"countryCodes": "US", "limit": 5},
            headers={"Authorization": f"AccessKey {access_key}"},
        )
        pingram = client.get(
            "/numbers/available",
            params={"countryCode": "US", "limit": 5},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert bird.status_code == 200, bird.text
    assert len(bird.json()["results"]) == 5
    assert pingram.status_code == 200, pingram.text
    assert len(pingram.json()["numbers"]) == 5


def _overflow(console: Console) -> int:
    """How many CSS pixels the page is wider than the screen (0: no horizontal scrolling)."""
    width: int = console.page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return width


def test_a_scenario_file_is_applied_as_written(console: Console, numbers_mock: NumbersMock) -> None:
    page = console.page
    console.sign_in()
    console.open_tab("Script")
    scenario = page.get_by_role("region", name="Scenario and reset")

    scenario.get_by_label("Scenario file (YAML or JSON", exact=False).fill(
        "faults:\n  - operation: nope\n    status: 500\n"
    )
    page.once("dialog", lambda question: question.accept())
    scenario.get_by_role("button", name="Apply (resets first)").click()
    expect(page.locator("#error")).to_contain_text("scenario:2: faults.0.operation")
    assert numbers_mock.faults() == [], "a broken file changes nothing"

    scenario.get_by_role("button", name="Example").click()
    page.once("dialog", lambda question: question.accept())
    scenario.get_by_role("button", name="Apply (resets first)").click()
    expect(page.get_by_role("status")).to_contain_text("Scenario applied")
    expect(
        page.locator('#faults-table tr[data-operation="searchAvailableNumbers"]')
    ).to_be_visible()
    outage, slow_search, reset = numbers_mock.faults()
    assert (outage["status"], outage["probability"]) == (502, 0.1)
    assert slow_search["delay"] == {"distribution": "lognormal", "medianMs": 150, "sigma": 0.5}
    assert (reset["fault"], reset["probability"]) == ("connection_reset", 0.05)
    expect(page.locator('#faults-table tr[data-operation="numbersOrderNumber"]')).to_contain_text(
        "reset the connection, 5% of requests"
    )
