"""The Alembic history builds the models' schema from nothing, and back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from app.db.engine import create_db_engine
from app.db.migrations import alembic_config, upgrade_to_head
from app.journal import repository as journal_repository
from app.stock.seeding import ensure_seeded
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


def test_journal_bodies_move_to_their_own_table_once_each_and_back(
    database_factory: DatabaseFactory,
) -> None:
    """0007 moves each distinct body out of the entries (two entries with the same answer
    share it) and the entries name them; its downgrade puts them back."""
    engine = create_db_engine(database_factory("journal_bodies"))
    page = '{"numbers":[]}'
    columns = (
        "tracking_id, operation, method, path, query, status, duration_ms, received_at, "
        "request_headers, request_body, response_headers, response_body"
    )
    rows = [
        ("t-1", "op", "GET", "/a", "", 200, 1.0, None, page),
        ("t-2", "op", "GET", "/a", "", 200, 1.0, None, page),
        ("t-3", "op", "POST", "/b", "", 201, 1.0, '{"x":1}', '{"ok":true}'),
    ]
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006_stock_version")
            for tracking_id, operation, method, path, query, status, ms, sent, got in rows:
                connection.execute(
                    text(
                        f"INSERT INTO journal_entries ({columns}) VALUES (:t, :o, :m, :p, :q, "
                        ":s, :d, CURRENT_TIMESTAMP, '{{}}', :sent, '{{}}', :got)"
                    ),
                    {
                        "t": tracking_id,
                        "o": operation,
                        "m": method,
                        "p": path,
                        "q": query,
                        "s": status,
                        "d": ms,
                        "sent": sent,
                        "got": got,
                    },
                )
            command.upgrade(config, "head")
            bodies = connection.execute(text("SELECT body FROM journal_bodies")).scalars().all()
            assert sorted(bodies) == sorted([page, '{"x":1}', '{"ok":true}'])
        with Session(engine) as session:
            first = journal_repository.find_entry(session, "t-1", keep=100)
            third = journal_repository.find_entry(session, "t-3", keep=100)
            assert first is not None
            assert third is not None
            assert (first.request_body, first.response_body) == (None, page)
            assert (third.request_body, third.response_body) == ('{"x":1}', '{"ok":true}')
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006_stock_version")
            back = connection.execute(
                text("SELECT tracking_id, request_body, response_body FROM journal_entries")
            ).all()
            assert sorted(back) == [
                ("t-1", None, page),
                ("t-2", None, page),
                ("t-3", '{"x":1}', '{"ok":true}'),
            ]
    finally:
        engine.dispose()


def test_every_change_to_the_stock_moves_its_version_on_sqlite(
    database_factory: DatabaseFactory,
) -> None:
    """The cached answers (app.stock.response_cache) hold only while this number is unchanged:
    each insert, update or delete of a number or a stock cell moves it, whoever writes."""
    url = database_factory("stock_version")
    engine = create_db_engine(url)
    if engine.dialect.name != "sqlite":
        engine.dispose()
        pytest.skip("PostgreSQL never caches answers: the version has no triggers there")
    try:
        upgrade_to_head(engine)
        ensure_seeded(engine, seed=7, total=50)
        version = text("SELECT version FROM stock_version WHERE id = 1")
        changes = [
            "UPDATE inventory_numbers SET status = 'sold' WHERE id = (SELECT min(id) FROM "
            "inventory_numbers)",
            "DELETE FROM inventory_numbers WHERE id = (SELECT max(id) FROM inventory_numbers)",
            "INSERT INTO stock_cells (country_code, number_type, capability_mask) "
            "VALUES ('ZZ', 'local', 0)",
            "DELETE FROM stock_cells WHERE country_code = 'ZZ'",
        ]
        with engine.connect() as connection:
            before = connection.scalar(version)
        for change in changes:
            # A connection of its own, as another process would write.
            with engine.begin() as connection:
                connection.execute(text(change))
            with engine.connect() as connection:
                after = connection.scalar(version)
            assert after > before, change
            before = after
    finally:
        engine.dispose()
