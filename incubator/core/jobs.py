"""Background jobs on RQ: named queues, enqueue-after-commit, an app context per job.

Jobs take ids, never ORM objects, and must be safe to run twice.
"""
import logging
import os
from functools import lru_cache

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker
from sqlalchemy import event
from sqlalchemy.orm import Session

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
    for queue_name, func, args, kwargs, retry in pending:
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


class _AppContextMixin:
    """Runs each job inside an app context; a forked work horse gets its own pool."""

    app = None

    def perform_job(self, job, queue):
        with self.app.app_context():
            if os.getpid() != getattr(self, "_parent_pid", os.getpid()):
                # Never share the parent's pooled connections across fork.
                db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


class AppWorker(_AppContextMixin, Worker):
    pass


class AppSimpleWorker(_AppContextMixin, SimpleWorker):
    pass


def make_worker(app, *, simple: bool = False, queue_names=QUEUE_NAMES):
    with app.app_context():
        queues = [queue(name) for name in queue_names]
        connection = redis_connection()
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls(queues, connection=connection)
    worker.app = app
    worker._parent_pid = os.getpid()
    return worker
