"""Alembic environment: migrates the connection the app hands over, or the configured URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from app.db.engine import create_db_engine
from app.db.models import Base

config = context.config
target_metadata = Base.metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_db_engine(_database_url())
    try:
        with engine.connect() as new_connection:
            _migrate(new_connection)
    finally:
        engine.dispose()


def _database_url() -> str:
    return os.environ.get("NUMBERS_MOCK_DATABASE_URL") or config.get_main_option(
        "sqlalchemy.url", "sqlite:///./numbers-mock.db"
    )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
