"""The migrations build exactly the schema the models describe (what `flask db check` checks)."""
import logging
import os
import secrets

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from incubator import create_app
from incubator.extensions import db


@pytest.fixture(autouse=True)
def _logging_as_it_was():
    """migrations/env.py runs logging.config.fileConfig, which disables every logger that
    exists (the app's too) and replaces the root handlers: put them back for later tests."""
    loggers = {name: (found.disabled, found.level) for name, found in logging.Logger.manager.loggerDict.items()
               if isinstance(found, logging.Logger)}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for name, (disabled, logger_level) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level = disabled, logger_level
    root.handlers[:] = handlers
    root.setLevel(level)


def _check_constraints_in(conn) -> dict[str, set[str]]:
    inspector = sa.inspect(conn)
    return {table: {c["name"] for c in inspector.get_check_constraints(table)}
            for table in inspector.get_table_names() if table != "alembic_version"}


def _check_constraints_of_models() -> dict[str, set[str]]:
    return {table.name: {str(c.name) for c in table.constraints if isinstance(c, sa.CheckConstraint)}
            for table in db.metadata.sorted_tables}


def test_migrations_build_the_schema_of_the_models(tmp_path, database_url):
    if os.environ.get("TEST_DATABASE_URL"):
        url = sa.make_url(database_url)
        name = f"{url.database}_mig_{secrets.token_hex(3)}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        admin, target = None, f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=target, INSTANCE_DIR=str(tmp_path))
    try:
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
                checks = _check_constraints_in(conn)
            db.engine.dispose()
        assert diff == [], f"models and migrations disagree: {diff}"
        # Alembic does not compare CHECK constraints, yet they carry our invariants: compare the names.
        assert checks == _check_constraints_of_models(), "CHECK constraints differ between models and migrations"
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
