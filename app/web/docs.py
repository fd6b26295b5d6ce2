"""``/docs`` (Swagger UI) and ``/redoc`` served with their assets from this server.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank without internet
(a laptop on a plane, a CI runner, a locked-down demo network). The assets come from the
``fastapi-offline`` package instead, installed with numbers-mock.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/_docs-assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
# ReDoc's sidebar shows Redocly's logo from their CDN, whatever its options say: the served
# copy of its script points at a local image instead.
_REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_LOCAL_REDOC = "/redoc.local.js"


def install_docs(app: FastAPI) -> None:
    """Mount the assets and the two pages (create the app with docs_url=redoc_url=None)."""
    redoc_script = (_ASSETS / "redoc.standalone.js").read_bytes()
    redoc_script = redoc_script.replace(_REDOC_CDN_LOGO, f"{ASSETS_PATH}/favicon.png".encode())

    @app.get(ASSETS_PATH + _LOCAL_REDOC, include_in_schema=False)
    async def redoc_script_without_cdn() -> Response:
        return Response(
            redoc_script,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount(ASSETS_PATH, StaticFiles(directory=_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            # No validator badge: Swagger UI would fetch it from validator.swagger.io for any
            # server not on localhost (a shared demo server).
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_PATH}{_LOCAL_REDOC}",
            redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
