"""A write is committed before its response leaves, so the next request reads it back."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.main import create_app
from app.settings import Settings


def test_commit_happens_before_the_response_starts(
    client: TestClient, settings: Settings, admin: dict[str, str]
) -> None:
    """``client`` has migrated and seeded the database this second app uses."""
    app = create_app(settings, prepare_database=False)
    order: list[str] = []

    def record_commit(_session: Session) -> None:
        order.append("commit")

    def recording(inner: ASGIApp) -> ASGIApp:
        async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
            async def record_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    order.append("response")
                await send(message)

            await inner(scope, receive, record_send)

        return wrapper

    event.listen(Session, "after_commit", record_commit)
    try:
        with TestClient(recording(app)) as recorded:  # the lifespan disposes of the engine
            order.clear()
            response = recorded.post(
                "/_mock/faults", json={"operation": "*", "delayMs": 1, "times": 1}, headers=admin
            )
            assert response.status_code == 201
            assert order == ["commit", "response"], order
            recorded.delete("/_mock/faults", headers=admin)
    finally:
        event.remove(Session, "after_commit", record_commit)
