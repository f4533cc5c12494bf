"""Background jobs on RQ: named queues, enqueue-after-commit, an app context per job.

Jobs take ids, never ORM objects, and must be safe to run twice.
"""
import gc
import importlib
import importlib.util
import logging
import os
import socket
from email.message import EmailMessage
from functools import lru_cache

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session, configure_mappers

from incubator.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAMES = ("mail", "pdf", "payments", "default")
DEFAULT_RETRY = Retry(max=5, interval=[10, 30, 120, 600, 1800])


@lru_cache(maxsize=8)
def _connect(url: str) -> Redis:
    return Redis.from_url(url)


def redis_connection() -> Redis:
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise RuntimeError(
            "REDIS_URL is not set. Run the portal with `flask serve` (it starts an embedded Redis) "
            "or point REDIS_URL at a Redis server."
        )
    return _connect(url)


def queue(name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    prefix = current_app.config["RQ_QUEUE_PREFIX"]
    return Queue(prefix + name, connection=redis_connection())


def all_queues() -> list[Queue]:
    return [queue(name) for name in QUEUE_NAMES]


def enqueue_after_commit(func, *args, queue_name: str = "default", retry: Retry | None = DEFAULT_RETRY, **kwargs) -> None:
    """Queue `func(*args)` once the current transaction commits; drop it on rollback."""
    pending = db.session.info.setdefault("pending_jobs", [])
    pending.append((queue_name, func, args, kwargs, retry))


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session):
    pending = session.info.pop("pending_jobs", [])
    by_queue: dict[str, list] = {}
    for entry in pending:
        by_queue.setdefault(entry[0], []).append(entry)
    for queue_name, entries in by_queue.items():
        # Many plain jobs for one queue (a sweep's mail: thousands at a commit) go to Redis in one
        # pipeline instead of two round trips each; jobs with options are queued one by one.
        if len(entries) > 1 and not any(kwargs for _, _, _, kwargs, _ in entries):
            try:
                queue(queue_name).enqueue_many([Queue.prepare_data(func, args, retry=retry)
                                                for _, func, args, _, retry in entries])
            except RedisError:
                log.exception("Could not queue %d jobs on %s after commit", len(entries), queue_name)
            continue
        for _, func, args, kwargs, retry in entries:
            try:
                queue(queue_name).enqueue(func, *args, retry=retry, **kwargs)
            except RedisError:
                # The data is committed: failing the request now would invite a duplicate.
                # The job's own sweeper (e.g. mail.requeue_unsent) picks up what was not queued.
                log.exception("Could not queue %s%r on %s after commit", func, args, queue_name)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop("pending_jobs", None)


# ---- warming the worker ---------------------------------------------------------------------
#
# `flask worker` runs its jobs in its own process, so what one job loads (mappers, fonts,
# statements, connections) the next one finds. The warm-up does the start-up once, before the
# first job, so that no job pays for it; with `--fork` each job runs in a fresh copy (a work
# horse) of the parent, which throws away whatever it learned when the job ends, and the
# warm-up is what every work horse inherits. Measured on 2 cores, a cold work horse spent
# most of a mail job configuring the SQLAlchemy mappers and a PDF job reloading its fonts.

_warm_ups = []


def on_warm_up(func):
    """Register `func()` to run once in the worker's parent before it forks, inside an app
    context (a domain's jobs.py uses it, e.g. to load the fonts its PDF job draws with).
    It may read the database; the parent's connections are closed before any fork."""
    _warm_ups.append(func)
    return func


@on_warm_up
def _compile_mail_statements() -> None:
    """Compile (and cache on the engine, which work horses inherit) the statements of the
    mail job, by running it on a message that does not exist: it claims nothing, sends nothing,
    and marks nothing sent."""
    from sqlalchemy.exc import SQLAlchemyError

    from incubator.core import mail

    try:
        mail.send_outbox_message(0)
        mail._finish(0, "sent")
    except SQLAlchemyError:  # no database yet: the first jobs compile them, as before
        log.warning("Worker warm-up: could not reach the database to prepare the mail job's statements")
        db.session.rollback()


def fixed_job_id(name: str) -> str:
    """A job id that is the same every time in this deployment (its queue prefix, then `name`):
    a sweep scheduled again only moves the one job. RQ ids allow letters, digits, - and _."""
    prefix = "".join(c if c.isalnum() or c in "-_" else "-" for c in current_app.config["RQ_QUEUE_PREFIX"])
    return f"{prefix}{name}"


def run_parts(label: str, parts, now) -> dict[str, int]:
    """Run a sweep's parts in order (`parts`: (name, func(now) -> count) pairs), committing after
    each; a part that fails is rolled back and logged without stopping the others, and the first
    failure is raised at the end. Returns the count of each part."""
    counts, failure = {}, None
    for name, part in parts:
        try:
            counts[name] = part(now)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 (logged, and raised once the other parts ran)
            db.session.rollback()
            log.exception("%s: %s failed", label, name)
            failure = failure or error
    if failure is not None:
        raise failure
    return counts


# Sweeps that reschedule themselves (reminders, reconciliation): each domain registers the
# function that starts its own on a queue, and a worker serving that queue starts it.
_periodic: list[tuple[str, object]] = []


def periodic(queue_name: str):
    """Register `func()` (it schedules the domain's sweep with RQ's scheduler, once: scheduling
    again only moves the one job) to run when a worker serving `queue_name` starts."""
    def register(func):
        _periodic.append((queue_name, func))
        return func

    return register


def start_periodic(queue_names) -> list[str]:
    """Start every registered sweep whose queue is served; the names of those started."""
    for name in job_modules():
        importlib.import_module(name)  # where the sweeps are registered
    started = []
    for queue_name, func in _periodic:
        if queue_name in queue_names:
            func()
            started.append(f"{func.__module__}.{func.__name__}")
    return started


def job_modules() -> list[str]:
    """The modules holding the jobs: core's mail, and each domain's `jobs` module."""
    from incubator import DOMAINS

    names = ["incubator.core.mail"]
    for domain in DOMAINS:
        name = f"incubator.{domain}.jobs"
        if importlib.util.find_spec(name) is not None:
            names.append(name)
    return names


def warm_up(app) -> list[str]:
    """Do in the worker's parent, once, what every work horse would otherwise redo: import
    the job modules, configure the mappers, prepare the mail machinery, run each domain's
    warm-up. Returns the job modules imported.

    The database connections this opened are closed at the end, so a work horse never
    shares one with its parent (or a sibling).
    """
    with app.app_context():
        names = job_modules()
        for name in names:
            importlib.import_module(name)  # registers the domains' warm-ups too
        configure_mappers()
        # The email package imports its header and content machinery on first use.
        sample = EmailMessage()
        sample["From"], sample["To"], sample["Subject"] = "Incubator <warm@incubator.local>", "a@example.org", "-"
        sample.set_content("-")
        sample.as_bytes()
        # smtplib greets the server with this name; a process's first lookup loads the resolver.
        socket.getfqdn()
        try:
            for func in _warm_ups:
                func()
        finally:
            db.session.remove()
            db.engine.dispose()
    # What the parent holds now, every work horse shares copy-on-write, until something writes
    # to it: a garbage collection in the horse would touch every object (and copy its page).
    # Frozen objects are left out of collections, so a horse copies only what its job touches.
    gc.collect()
    gc.freeze()
    return names


class _AppContextMixin:
    """Runs each job inside an app context of `app`, and leaves nothing of it to the next job.

    After every job the session is rolled back and removed. After a job that failed (it
    raised, or its `job_timeout` interrupted it, maybe in the middle of a statement or an
    SMTP conversation) the pool's database connections and the SMTP connection are closed
    too, so the next job starts on fresh ones. A forked work horse gets its own pool.
    """

    app = None

    def perform_job(self, job, queue):
        forked = os.getpid() != getattr(self, "_parent_pid", os.getpid())
        with self.app.app_context():
            if forked:
                # Never share the parent's pooled connections across fork.
                db.engine.dispose(close=False)
            succeeded = False
            try:
                succeeded = super().perform_job(job, queue)
                return succeeded
            finally:
                db.session.remove()
                if forked or not succeeded:
                    from incubator.core.mail import close_smtp

                    # A work horse ends with its job: say goodbye to the SMTP server it used.
                    # A failed job may have left the conversation half-way: never reuse it.
                    close_smtp()
                if not succeeded and not forked:
                    db.engine.dispose()


class AppWorker(_AppContextMixin, Worker):
    """Forks a work horse per job (`flask worker --fork`)."""


class AppSimpleWorker(_AppContextMixin, SimpleWorker):
    """Runs each job in the worker's own process (`flask worker`, the default): its database
    connection, compiled statements, fonts and SMTP connection stay warm from job to job.
    RQ still enforces each job's `job_timeout` (SIGALRM in this, the main, thread)."""


def make_worker(app, *, fork: bool = False, queue_names=QUEUE_NAMES, warm: bool = True):
    """An RQ worker for `queue_names` that runs each job in an app context of `app`.

    By default the jobs run in this process, one after another; with `fork` each runs in a
    work horse forked for it. `warm` does the start-up first (see `warm_up`): for a forking
    worker every work horse inherits it, for an in-process one it spares the first jobs.
    """
    if warm:
        warm_up(app)
    with app.app_context():
        queues = [queue(name) for name in queue_names]
        connection = redis_connection()
    cls = AppWorker if fork else AppSimpleWorker
    worker = cls(queues, connection=connection)
    worker.app = app
    worker._parent_pid = os.getpid()
    return worker
