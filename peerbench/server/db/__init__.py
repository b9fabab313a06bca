"""The metadata database: SQLAlchemy 2 models, engine/session and Alembic migrations."""
