"""``GET /healthz`` for Docker and orchestrators: no auth, checks the database."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from app.web.context import SessionDep
from app.web.openapi import error_responses, success_headers
from app.web.schemas import Health

router = APIRouter(tags=["Operations"])


@router.get(
    "/healthz",
    operation_id="health",
    summary="Health check",
    response_model=Health,
    responses={200: success_headers(), **error_responses(503)},
)
def health(session: SessionDep) -> dict[str, str]:
    """Answers ok when the server can reach its database."""
    session.execute(text("SELECT 1"))  # a failure is the 503 envelope (error_handlers)
    return {"status": "ok"}
