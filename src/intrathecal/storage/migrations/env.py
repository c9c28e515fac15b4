"""Alembic environment for the clinic database (URL from the Alembic config)."""

from __future__ import annotations

from alembic import context

from intrathecal.storage.db import database_url, make_engine
from intrathecal.storage.tables import metadata

config = context.config


def run_migrations_offline() -> None:
    """Emit SQL without a database connection."""
    context.configure(
        url=database_url(config.get_main_option("sqlalchemy.url")),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations over a live connection."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
