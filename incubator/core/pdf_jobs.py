"""PDFs made by a job on the `pdf` queue, downloaded once they exist ("being prepared" until then).

No column records such a document: its file is named after a fingerprint of what it shows, so
a PDF for the current data either exists or is being prepared, and any change to that data
makes a new one needed. A domain describes its document once:

    SUMMARY = pdf_jobs.Document("review-ranking", load=..., fingerprint=..., render=...)

and its job (a module-level function RQ can import) is `pdf_jobs.make(SUMMARY, object_id, digest)`.
The page asks `pdf_jobs.ready(SUMMARY, obj)` for the file, and `pdf_jobs.request(...)` queues the
job once per fingerprint (a Redis key held for a couple of minutes keeps a page that reloads
itself from queueing it again; the job itself is safe to run twice anyway: it makes the file once).

Shared by the reviews' ranking summary and incubation's cohort report (it was the ranking's own
module until a second domain needed the same fingerprint -> file name -> queue once -> pending page).
"""
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError

from incubator.core.jobs import enqueue_after_commit, redis_connection
from incubator.core.pdf import store, stored_path

log = logging.getLogger(__name__)

# How long a request stands for "already queued": a page reloading itself asks again every few
# seconds; after this a reload queues it again (a job lost with a restarted worker is redone).
QUEUED_FOR_SECONDS = 120


@dataclass(frozen=True)
class Document:
    """A kind of PDF: `load(id)` the object (or None), its `fingerprint(obj)` (a short text that
    changes whenever what the PDF shows changes) and `render(obj)` its bytes."""

    prefix: str
    load: Callable[[int], object | None]
    fingerprint: Callable[[object], str]
    render: Callable[[object], bytes]


def digest(*parts) -> str:
    """A short fingerprint of `parts` (anything with a stable repr)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def file_name(document: Document, object_id: int, fingerprint: str) -> str:
    return f"{document.prefix}-{object_id}-{fingerprint}.pdf"


def ready(document: Document, obj) -> tuple[str, Path | None]:
    """The current fingerprint of `obj`'s PDF, and its file if it is made (None while it is not)."""
    fingerprint = document.fingerprint(obj)
    return fingerprint, stored_path(file_name(document, obj.id, fingerprint))


def request(document: Document, job, obj, fingerprint: str, *, again: bool = False) -> bool:
    """Queue `job(obj.id, fingerprint)` on the `pdf` queue after the commit, unless it was asked
    for in the last couple of minutes (`again` queues it anyway: the person asked once more).
    True when it was queued."""
    name = file_name(document, obj.id, fingerprint)
    try:
        key = f"{current_app.config['RQ_QUEUE_PREFIX']}pdf-requested:{name}"
        connection = redis_connection()
        if again:
            connection.set(key, "1", ex=QUEUED_FOR_SECONDS)
        elif not connection.set(key, "1", ex=QUEUED_FOR_SECONDS, nx=True):
            return False
    except RedisError:  # queueing will fail too and say so in the log; the page still says what to do
        log.exception("Could not note the request for %s", name)
    enqueue_after_commit(job, obj.id, fingerprint, queue_name="pdf")
    return True


def make(document: Document, object_id: int, fingerprint: str) -> str:
    """The job's work: make the PDF of the object for `fingerprint`, once. If the data moved on
    since it was asked for, the current one is made instead (that is the one the page waits for).
    Answers "nothing to do", "already made" or "made"."""
    obj = document.load(object_id)
    if obj is None:
        return "nothing to do"
    if stored_path(file_name(document, object_id, fingerprint)):
        return "already made"
    current = document.fingerprint(obj)
    if current != fingerprint:
        fingerprint = current
        if stored_path(file_name(document, object_id, fingerprint)):
            return "already made"
    store(file_name(document, object_id, fingerprint), document.render(obj))
    return "made"
