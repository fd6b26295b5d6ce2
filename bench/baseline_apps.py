"""The ceiling for bench/run.py: a bare FastAPI or Starlette app serving fixed JSON bytes.

    python bench/baseline_apps.py fastapi --port 8001 --body page.json
    python bench/baseline_apps.py starlette --port 8002 --body page.json

Both answer GET /healthz and GET /organizations/{organizationId}/numbers-stock-items (any
query, any headers) with the bytes of --body as application/json: no database, no auth, no
validation, so nothing numbers-mock does can be cheaper. uvicorn runs with the settings
bench/run.py uses for every server: default loop and HTTP implementation (uvloop and
httptools when installed), log level warning, no access log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOST = "127.0.0.1"
PAGE_PATH = "/organizations/{organizationId}/numbers-stock-items"
HEALTH = b'{"status":"ok"}'


def fastapi_app(body: bytes) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response(HEALTH, media_type="application/json")

    @app.get(PAGE_PATH)
    async def page() -> Response:
        return Response(body, media_type="application/json")

    return app


def starlette_app(body: bytes) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return Response(HEALTH, media_type="application/json")

    async def page(_request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/healthz", healthz), Route(PAGE_PATH, page)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("framework", choices=("fastapi", "starlette"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="the JSON bytes to serve")
    options = parser.parse_args()
    body = options.body.read_bytes()
    app = fastapi_app(body) if options.framework == "fastapi" else starlette_app(body)
    uvicorn.run(app, host=HOST, port=options.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
