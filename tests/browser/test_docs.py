"""/docs and /redoc render in a real browser with every request off the server blocked."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Console


def test_swagger_ui_renders_offline(console: Console) -> None:
    page = console.page
    page.goto(console.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("numbers-mock")
    expect(page.get_by_text("/numbers/order", exact=True).first).to_be_visible()
    assert console.outside == []


def test_redoc_renders_offline(console: Console) -> None:
    page = console.page
    page.goto(console.url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("numbers-mock")
    expect(page.get_by_text("Order a phone number").first).to_be_attached()
    assert console.outside == []
