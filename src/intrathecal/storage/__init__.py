"""Storage: SQLAlchemy tables, repositories, the SQL unit of work and Alembic migrations.

``db.make_engine`` reads ``INTRATHECAL_DATABASE_URL`` (SQLite file by default, PostgreSQL via
psycopg); ``migrate.upgrade(url)`` creates or upgrades the schema; ``uow.SqlAlchemyUnitOfWork``
is what the clinic use cases run on.
"""
