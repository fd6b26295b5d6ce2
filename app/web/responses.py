"""The provider operations' JSON answers, encoded with orjson.

Starlette's JSONResponse uses the standard ``json`` module, about ten times slower on a page
of stock items; the bytes are the same (compact separators, UTF-8, no NaN).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class ProviderJSONResponse(Response):
    """JSON with orjson; ``bytes`` are JSON already encoded (a cached answer: sent as they are,
    the same object every time)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return orjson.dumps(content)
