"""core.pdf_jobs, the shared "made by a job, being prepared until then" mechanism (the reviews'
ranking summary and the cohort report use it), with a document of its own."""
import types

import pytest

from incubator.core import pdf_jobs
from incubator.core.pdf import pdf_dir
from incubator.extensions import db

STATE = {"version": 1, "renders": 0}


def _load(object_id):
    return types.SimpleNamespace(id=object_id) if object_id == 7 else None


def _render(obj):
    STATE["renders"] += 1
    return b"%PDF-1.4 test " + str(STATE["version"]).encode()


TEST_DOC = pdf_jobs.Document("pdf-jobs-test", load=_load, fingerprint=lambda obj: pdf_jobs.digest(STATE["version"]),
                             render=_render)


def make_test_pdf(object_id: int, digest: str) -> str:
    return pdf_jobs.make(TEST_DOC, object_id, digest)


def _forget_requests(app):
    from incubator.core.jobs import redis_connection

    connection = redis_connection()
    for key in connection.scan_iter(f"{app.config['RQ_QUEUE_PREFIX']}pdf-requested:pdf-jobs-test-*"):
        connection.delete(key)  # only the keys these tests made


@pytest.fixture(autouse=True)
def _fresh(app):
    STATE.update(version=1, renders=0)
    for path in pdf_dir().glob("pdf-jobs-test-*.pdf"):
        path.unlink()
    _forget_requests(app)
    yield
    for path in pdf_dir().glob("pdf-jobs-test-*.pdf"):
        path.unlink()
    _forget_requests(app)


def test_the_file_is_named_after_the_fingerprint_and_made_once(app):
    obj = _load(7)
    digest, path = pdf_jobs.ready(TEST_DOC, obj)
    assert path is None and len(digest) == 16
    assert make_test_pdf(7, digest) == "made"
    assert make_test_pdf(7, digest) == "already made"
    assert STATE["renders"] == 1
    digest_now, path = pdf_jobs.ready(TEST_DOC, obj)
    assert digest_now == digest and path.name == f"pdf-jobs-test-7-{digest}.pdf"
    assert path.read_bytes().startswith(b"%PDF")


def test_data_that_moved_on_makes_the_current_file(app):
    old, _ = pdf_jobs.ready(TEST_DOC, _load(7))
    STATE["version"] = 2
    assert make_test_pdf(7, old) == "made"
    current, path = pdf_jobs.ready(TEST_DOC, _load(7))
    assert current != old and path is not None and path.read_bytes().endswith(b" 2")
    assert not (pdf_dir() / pdf_jobs.file_name(TEST_DOC, 7, old)).exists()


def test_a_missing_object_makes_nothing(app):
    assert make_test_pdf(8, "0" * 16) == "nothing to do" and STATE["renders"] == 0


def test_a_request_queues_once_until_asked_again(app, run_jobs):
    from incubator.core.jobs import queue

    obj = _load(7)
    digest, _ = pdf_jobs.ready(TEST_DOC, obj)
    assert pdf_jobs.request(TEST_DOC, make_test_pdf, obj, digest) is True
    db.session.commit()
    assert pdf_jobs.request(TEST_DOC, make_test_pdf, obj, digest) is False  # a page reloading itself
    db.session.commit()
    assert queue("pdf").count == 1
    assert pdf_jobs.request(TEST_DOC, make_test_pdf, obj, digest, again=True) is True
    db.session.commit()
    assert queue("pdf").count == 2
    run_jobs(["pdf"])
    assert STATE["renders"] == 1 and pdf_jobs.ready(TEST_DOC, obj)[1] is not None


def test_a_rolled_back_request_queues_nothing(app):
    from incubator.core.jobs import queue

    import sqlalchemy as sa

    obj = _load(7)
    db.session.execute(sa.text("SELECT 1"))  # as in a request: the page read something first
    assert pdf_jobs.request(TEST_DOC, make_test_pdf, obj, pdf_jobs.ready(TEST_DOC, obj)[0]) is True
    db.session.rollback()
    db.session.commit()
    assert queue("pdf").count == 0
