"""The database: engine, typed models, migrations."""
