"""The Alembic history builds the models' schema from nothing, and back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from app.db.engine import create_db_engine
from app.db.migrations import alembic_config, upgrade_to_head
from tests.conftest import DatabaseFactory


def test_upgrade_from_empty_has_no_drift_from_the_models(
    database_factory: DatabaseFactory,
) -> None:
    engine = create_db_engine(database_factory("migrations"))
    try:
        upgrade_to_head(engine)
        assert "inventory_numbers" in inspect(engine).get_table_names()
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.check(config)  # raises if autogenerate would find any difference
        upgrade_to_head(engine)  # a second start is a no-op
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything(database_factory: DatabaseFactory) -> None:
    engine = create_db_engine(database_factory("downgrade"))
    try:
        upgrade_to_head(engine)
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert "inventory_numbers" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
