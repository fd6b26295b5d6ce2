"""A Bird Numbers API client as a Bird user writes one from Bird's API reference.

Only httpx and the documented requests: ``Authorization: AccessKey <key>``, the stock-items
search (with ``testing``), buying stock items into a workspace, listing the workspace's
numbers page by page, and reading one long code number. Nothing here knows numbers-mock; the
conformance tests point it at numbers-mock instead of https://api.bird.com.
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

    def numbers(
        self, workspace_id: str, *, reverse: bool = False, limit: int = 10
    ) -> Iterator[Json]:
        """List Numbers in Workspace, following nextPageToken."""
        params: list[tuple[str, str | int | float | bool | None]] = [("limit", limit)]
        if reverse:
            params.append(("reverse", "true"))
        yield from self._pages(f"/workspaces/{workspace_id}/numbers", params)

    def long_code_number(self, workspace_id: str, long_code_number_id: str) -> Json:
        """Get Long Code number by ID (or by its endpoint id)."""
        response = self._http.get(
            f"/workspaces/{workspace_id}/numbers-long-code/{long_code_number_id}"
        )
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
