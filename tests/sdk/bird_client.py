"""A Bird Numbers API client as a Bird user writes one from Bird's API reference.

Only httpx and the documented requests: ``Authorization: AccessKey <key>``, the stock-items
search (with ``testing``) at organization and workspace level and the older available
numbers, buying stock items into a workspace, both lists of the workspace's numbers page by
page, reading one long code number, its endpoint's subscriptions and cancelling one. Nothing
here knows numbers-mock; the conformance tests point it at numbers-mock instead of
https://api.bird.com.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx

Json = dict[str, Any]


class BirdError(Exception):
    """A non-2xx answer: its status, headers and JSON body."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.body: Json = response.json()
        super().__init__(f"{self.status}: {self.body}")


class BirdNumbers:
    def __init__(self, base_url: str, access_key: str) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"AccessKey {access_key}", "Accept": "application/json"},
            timeout=10,
        )

    def close(self) -> None:
        self._http.close()

    def stock_items(
        self,
        organization_id: str,
        *,
        country_codes: Sequence[str] = (),
        types: Sequence[str] = (),
        features: Sequence[str] = (),
        prefix: str | None = None,
        testing: bool | None = None,
        limit: int = 10,
    ) -> Iterator[Json]:
        """Every stock item matching, following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        params += [("countryCodes", code) for code in country_codes]
        params += [("types", kind) for kind in types]
        params += [("features", feature) for feature in features]
        if prefix is not None:
            params.append(("prefix", prefix))
        if testing is not None:
            params.append(("testing", "true" if testing else "false"))
        yield from self._pages(f"/organizations/{organization_id}/numbers-stock-items", params)

    def buy(self, workspace_id: str, stock_item_ids: Sequence[str]) -> list[Json]:
        """Buy Long Code Numbers: 201 with the workspace's new numbers."""
        response = self._http.post(
            f"/workspaces/{workspace_id}/numbers-long-code",
            json={"numberStockItemIds": list(stock_item_ids)},
        )
        if response.status_code != 201:
            raise BirdError(response)
        results: list[Json] = response.json()["results"]
        return results

    def workspace_stock_items(
        self, workspace_id: str, *, country_codes: Sequence[str] = (), limit: int = 10
    ) -> Iterator[Json]:
        """List Workspace Numbers Stock Items, following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        params += [("countryCodes", code) for code in country_codes]
        yield from self._pages(f"/workspaces/{workspace_id}/numbers-stock-items", params)

    def numbers_available(
        self,
        workspace_id: str,
        *,
        country_code: str | None = None,
        number_type: str | None = None,
        limit: int = 10,
    ) -> Iterator[Json]:
        """List available Numbers in Inventory (the older search), following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        if country_code is not None:
            params.append(("countryCode", country_code))
        if number_type is not None:
            params.append(("type", number_type))
        yield from self._pages(f"/workspaces/{workspace_id}/numbers-available", params)

    def numbers(
        self,
        workspace_id: str,
        *,
        reverse: bool = False,
        limit: int = 10,
        country: str | None = None,
        number_type: str | None = None,
        status: str | None = None,
        sms: bool | None = None,
    ) -> Iterator[Json]:
        """List Numbers in Workspace, following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        if reverse:
            params.append(("reverse", "true"))
        for name, value in (("country", country), ("type", number_type), ("status", status)):
            if value is not None:
                params.append((name, value))
        if sms is not None:
            params.append(("sms", "true" if sms else "false"))
        yield from self._pages(f"/workspaces/{workspace_id}/numbers", params)

    def long_code_numbers(
        self,
        workspace_id: str,
        *,
        reverse: bool = False,
        limit: int = 10,
        number_string: str | None = None,
        country_codes: Sequence[str] = (),
        provider_ids: Sequence[str] = (),
    ) -> Iterator[Json]:
        """List Workspace Long Code Numbers, following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        if reverse:
            params.append(("reverse", "true"))
        if number_string is not None:
            params.append(("numberString", number_string))
        params += [("countryCodes", code) for code in country_codes]
        params += [("providerIds", provider) for provider in provider_ids]
        yield from self._pages(f"/workspaces/{workspace_id}/numbers-long-code", params)

    def subscriptions(self, workspace_id: str, endpoint_id: str) -> list[Json]:
        """List Workspace Endpoint Subscriptions."""
        path = f"/workspaces/{workspace_id}/endpoints/{endpoint_id}/subscriptions"
        results: list[Json] = self._get(path)["results"]
        return results

    def subscription(self, workspace_id: str, endpoint_id: str, name: str = "main") -> Json:
        """Get Workspace Endpoint Subscription (a long code number's is main)."""
        return self._get(f"/workspaces/{workspace_id}/endpoints/{endpoint_id}/subscriptions/{name}")

    def cancel_subscription(self, workspace_id: str, number_id: str) -> Json:
        """Cancel Number Subscription: 200 with the updated number."""
        response = self._http.post(
            f"/workspaces/{workspace_id}/numbers/{number_id}/cancel-subscription"
        )
        if response.status_code != 200:
            raise BirdError(response)
        body: Json = response.json()
        return body

    def long_code_number(self, workspace_id: str, long_code_number_id: str) -> Json:
        """Get Long Code number by ID (or by its endpoint id)."""
        return self._get(f"/workspaces/{workspace_id}/numbers-long-code/{long_code_number_id}")

    def _get(self, path: str) -> Json:
        response = self._http.get(path)
        if response.status_code != 200:
            raise BirdError(response)
        body: Json = response.json()
        return body

    def _pages(
        self, path: str, params: list[tuple[str, str | int | float | bool | None]]
    ) -> Iterator[Json]:
        page_token: str | None = None
        while True:
            query = params + ([("pageToken", page_token)] if page_token else [])
            response = self._http.get(path, params=query)
            if response.status_code != 200:
                raise BirdError(response)
            body = response.json()
            yield from body["results"]
            page_token = body.get("nextPageToken")
            if page_token is None:
                return
