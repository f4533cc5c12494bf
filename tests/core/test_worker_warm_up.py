"""`flask worker` warms its parent before forking, so no work horse repeats the start-up
(mappers, fonts, job modules), and mail jobs reuse an SMTP connection where that is safe."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq.job import Job

from incubator.core import mail
from incubator.core.jobs import queue, redis_connection
from incubator.core.mail import OutboxMessage, queue_mail
from incubator.extensions import db

REPO = Path(__file__).resolve().parents[2]


def run_flask_worker(app, queue_name: str) -> None:
    config = app.config
    env = dict(os.environ, FLASK_APP="wsgi", INCUBATOR_ENV="development",
               DATABASE_URL=str(db.engine.url.render_as_string(hide_password=False)),
               REDIS_URL=config["REDIS_URL"], RQ_QUEUE_PREFIX=config["RQ_QUEUE_PREFIX"],
               UPLOAD_DIR=config["UPLOAD_DIR"], INCUBATOR_INSTANCE=config["INSTANCE_DIR"],
               MAIL_SERVER=config["MAIL_SERVER"], MAIL_PORT=str(config["MAIL_PORT"]))
    subprocess.run([sys.executable, "-m", "flask", "worker", "--burst", "--queue", queue_name], env=env, cwd=REPO,
                   check=True, timeout=120, capture_output=True)


def test_a_work_horse_inherits_configured_mappers_fonts_statements_and_the_job_modules(app):
    job = queue("default").enqueue("tests.core.worker_probe.probe")
    run_flask_worker(app, "default")
    job = Job.fetch(job.id, connection=redis_connection())
    assert job.get_status() == "finished", job.exc_info
    found = job.return_value()
    assert found["pid"] != os.getpid()
    assert found["mappers_pending"] is False, "the work horse had to configure the mappers itself"
    assert found["fonts_loaded"] is True, "the work horse had to load the PDF fonts itself"
    assert found["compiled_statements"] > 0, "the work horse had to compile the mail job's statements itself"
    assert found["job_modules"] == ["incubator.core.mail", "incubator.applications.jobs"]


def test_mail_and_pdf_jobs_run_under_the_warmed_worker(app, mailbox):
    queue_mail("someone@example.org", "Hello", "confirm_email", user=type("P", (), {"display_name": "Someone"})(),
               confirm_url="http://localhost/confirm/x")
    db.session.commit()
    run_flask_worker(app, "mail")
    assert mailbox.last("someone@example.org")["Subject"] == "Hello"
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboxMessage.status)) == "sent"


def test_the_warm_up_leaves_no_database_connection_to_share_across_fork(app):
    from incubator.core.jobs import warm_up

    warm_up(app)
    with app.app_context():
        assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


def _send(n: int) -> None:
    queue_mail(f"person{n}@example.org", f"Message {n}", "confirm_email",
               user=type("P", (), {"display_name": "Someone"})(), confirm_url="http://localhost/confirm/x")
    db.session.commit()


@pytest.fixture
def connections(monkeypatch):
    """Counts the SMTP connections opened."""
    opened = []
    real = mail._open_smtp

    def counting(config):
        opened.append(1)
        return real(config)

    monkeypatch.setattr(mail, "_open_smtp", counting)
    mail.close_smtp()
    yield opened
    mail.close_smtp()


def test_jobs_in_one_process_share_one_smtp_connection(app, mailbox, run_jobs, connections):
    for n in range(3):
        _send(n)
    run_jobs(["mail"])
    assert sorted(m["Subject"] for m in mailbox.messages) == ["Message 0", "Message 1", "Message 2"]
    assert len(connections) == 1


def test_a_connection_the_server_dropped_is_replaced(app, mailbox, run_jobs, connections):
    _send(1)
    run_jobs(["mail"])
    mail._connection["smtp"][0].sock.shutdown(socket.SHUT_RDWR)  # the connection dropped while the worker was idle
    _send(2)
    run_jobs(["mail"])
    assert sorted(m["Subject"] for m in mailbox.messages) == ["Message 1", "Message 2"]
    assert len(connections) == 2


def test_a_failed_send_never_leaves_its_connection_for_the_next_message(app, mailbox, run_jobs, connections,
                                                                         monkeypatch):
    _send(1)
    run_jobs(["mail"])
    kept = mail._connection["smtp"][0]
    monkeypatch.setattr(kept, "send_message", lambda *a, **k: (_ for _ in ()).throw(OSError("reset by peer")))
    _send(2)
    run_jobs(["mail"])
    assert "smtp" not in mail._connection and kept.sock is None  # closed, not kept
    assert db.session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.subject == "Message 2")) == "failed"
    assert mail.send_outbox_message(db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.subject == "Message 2"))) == "sent"  # the retry reconnects
    assert len(connections) == 2


def test_a_connection_inherited_across_fork_is_never_used(app, mailbox, run_jobs, connections):
    _send(1)
    run_jobs(["mail"])
    smtp, settings = mail._connection["smtp"]
    mail._connection["smtp"] = (smtp, (settings[0] + 1, *settings[1:]))  # as a forked child sees its parent's
    _send(2)
    run_jobs(["mail"])
    assert len(connections) == 2 and len(mailbox.messages) == 2
    assert smtp.sock is not None, "the child closed its parent's connection"
    smtp.close()


def test_changed_settings_open_a_new_connection(app, mailbox, run_jobs, connections, monkeypatch):
    _send(1)
    run_jobs(["mail"])
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "Other <other@incubator.local>")  # not a connection setting
    _send(2)
    run_jobs(["mail"])
    assert len(connections) == 1
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "changed")
    _send(3)
    run_jobs(["mail"])
    assert len(connections) == 2 and len(mailbox.messages) == 3
