"""Serves the console's page at ``/`` and its assets under ``/_console/``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/_console"
STATIC = Path(__file__).parent / "static"

router = APIRouter()


@router.get("/", include_in_schema=False)
async def console() -> FileResponse:
    """The console's page (it asks for the admin key before showing anything)."""
    # no-cache: a demo server updated in place serves the new page on the next load.
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def install_console(app: FastAPI) -> None:
    """Mount the page and its assets (only with the control API on: the page drives it)."""
    app.include_router(router)
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC, check_dir=False), name="console-assets")
