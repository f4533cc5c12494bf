"""The migrations build exactly the schema the models describe (what `flask db check` checks)."""
import logging
import os
import secrets
from contextlib import contextmanager

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


@contextmanager
def _scratch_app(tmp_path, database_url):
    """An app on an empty database of its own (a private one next to the test database on PostgreSQL)."""
    admin, name = None, None
    if os.environ.get("TEST_DATABASE_URL"):
        url = sa.make_url(database_url)
        name = f"{url.database}_mig_{secrets.token_hex(3)}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=target, INSTANCE_DIR=str(tmp_path))
    try:
        with app.app_context():
            yield app
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_challenges_that_existed_before_drafts_stay_published(tmp_path, database_url):
    from flask_migrate import upgrade

    with _scratch_app(tmp_path, database_url):
        upgrade(revision="93d9a6b9590a")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO organisations (id, name, slug, timezone, created_at) "
                                 "VALUES (1, 'NSNO', 'nsno', 'America/Chicago', CURRENT_TIMESTAMP)"))
            conn.execute(sa.text(
                "INSERT INTO challenges (id, organisation_id, title, slug, track, summary_md, opens_at, closes_at, slots,"
                " grant_pool_cents, planning_grant_cents, currency, created_at, updated_at) VALUES (1, 1, 'Live', 'live',"
                " 'new_school', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP + INTERVAL '1 day', 3, 0, 0, 'USD',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)" if db.engine.dialect.name == "postgresql" else
                "INSERT INTO challenges (id, organisation_id, title, slug, track, summary_md, opens_at, closes_at, slots,"
                " grant_pool_cents, planning_grant_cents, currency, created_at, updated_at) VALUES (1, 1, 'Live', 'live',"
                " 'new_school', '', '2026-01-01 00:00:00', '2026-02-01 00:00:00', 3, 0, 0, 'USD',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT status FROM challenges")).scalars().all() == ["published"]
            assert conn.execute(sa.text("SELECT contact_name, contact_email FROM organisations")).one() == ("", None)
            # The CHECK constraint backs the states up.
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text(
                    "INSERT INTO challenges (id, organisation_id, title, slug, track, summary_md, opens_at, closes_at,"
                    " slots, grant_pool_cents, planning_grant_cents, currency, created_at, updated_at, status)"
                    " SELECT 2, organisation_id, title, 'other', track, summary_md, opens_at, closes_at, slots,"
                    " grant_pool_cents, planning_grant_cents, currency, created_at, updated_at, 'launched'"
                    " FROM challenges"))
