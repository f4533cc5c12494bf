"""`flask worker` runs its jobs in its own process, warmed up once (mappers, fonts, job modules,
statements), so no job repeats the start-up; a job that fails or runs past its timeout leaves the
worker healthy; mail jobs reuse an SMTP connection where that is safe. `--fork` forks a work horse
per job from the warmed parent; `--max-jobs` makes the worker exit after so many jobs."""
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


def run_flask_worker(app, queue_name: str, *options: str) -> subprocess.CompletedProcess:
    config = app.config
    env = dict(os.environ, FLASK_APP="wsgi", INCUBATOR_ENV="development",
               DATABASE_URL=str(db.engine.url.render_as_string(hide_password=False)),
               REDIS_URL=config["REDIS_URL"], RQ_QUEUE_PREFIX=config["RQ_QUEUE_PREFIX"],
               UPLOAD_DIR=config["UPLOAD_DIR"], INCUBATOR_INSTANCE=config["INSTANCE_DIR"],
               MAIL_SERVER=config["MAIL_SERVER"], MAIL_PORT=str(config["MAIL_PORT"]))
    db.session.remove()  # SQLite: no lock of ours in the worker's way
    return subprocess.run([sys.executable, "-m", "flask", "worker", "--burst", "--queue", queue_name, *options],
                          env=env, cwd=REPO, check=True, timeout=120, capture_output=True)


def fetch(job) -> Job:
    return Job.fetch(job.id, connection=redis_connection())


def test_flask_worker_runs_every_job_in_its_own_warmed_process(app):
    probes = [queue("default").enqueue("tests.core.worker_probe.probe") for _ in range(3)]
    run_flask_worker(app, "default")
    found = [fetch(job).return_value() for job in probes]
    assert len({f["pid"] for f in found}) == 1 and found[0]["pid"] != os.getpid(), "a process per job"
    first = found[0]
    assert first["mappers_pending"] is False, "the first job had to configure the mappers itself"
    assert first["fonts_loaded"] is True, "the first job had to load the PDF fonts itself"
    assert first["compiled_statements"] > 0, "the first job had to compile the mail job's statements itself"
    assert first["job_modules"] == ["incubator.core.mail", "incubator.applications.jobs"]


def test_with_fork_a_work_horse_per_job_inherits_mappers_fonts_statements_and_the_job_modules(app):
    probes = [queue("default").enqueue("tests.core.worker_probe.probe") for _ in range(2)]
    run_flask_worker(app, "default", "--fork")
    found = [fetch(job).return_value() for job in probes]
    assert found[0]["pid"] != found[1]["pid"] and os.getpid() not in (found[0]["pid"], found[1]["pid"])
    for each in found:
        assert each["mappers_pending"] is False, "the work horse had to configure the mappers itself"
        assert each["fonts_loaded"] is True, "the work horse had to load the PDF fonts itself"
        assert each["compiled_statements"] > 0, "the work horse had to compile the mail job's statements itself"
        assert each["job_modules"] == ["incubator.core.mail", "incubator.applications.jobs"]


def _outbox_to(recipient: str) -> list:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage.subject).where(OutboxMessage.recipient == recipient)).all()


@pytest.mark.parametrize("failure", ["raise", "timeout"])
def test_a_job_that_fails_half_way_leaves_the_worker_healthy_and_nothing_behind(app, mailbox, failure):
    before = queue("default").enqueue("tests.core.worker_probe.pid")
    failing = queue("default").enqueue("tests.core.worker_probe.write_then", failure, "half@example.org",
                                       job_timeout=2, retry=None)
    after = queue("default").enqueue("tests.core.worker_probe.commit")  # commits whatever it finds
    queue_mail("someone@example.org", "Still sent", "confirm_email",
               user=type("P", (), {"display_name": "Someone"})(), confirm_url="http://localhost/confirm/x")
    db.session.commit()
    run_flask_worker(app, "default")
    run_flask_worker(app, "mail")
    failing = fetch(failing)
    assert failing.get_status() == "failed"
    expected = "JobTimeoutException" if failure == "timeout" else "RuntimeError: the job failed half-way"
    assert expected in failing.latest_result().exc_string
    after = fetch(after)
    assert after.get_status() == "finished"
    assert _outbox_to("half@example.org") == [], "the next job committed what the failed one left"
    assert mailbox.last("someone@example.org")["Subject"] == "Still sent"
    # All in the worker's own process: the timeout (SIGALRM in its main thread) stopped the job, and
    # the worker went on with the next one.
    assert fetch(before).return_value() == after.return_value() != os.getpid()


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
    smtp, settings, used = mail._connection["smtp"]
    mail._connection["smtp"] = (smtp, (settings[0] + 1, *settings[1:]), used)  # as a forked child sees its parent's
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


def test_max_jobs_makes_the_worker_exit_cleanly_after_so_many_jobs(app):
    jobs = [queue("default").enqueue("tests.core.worker_probe.pid") for _ in range(3)]
    assert run_flask_worker(app, "default", "--max-jobs", "2").returncode == 0
    assert [fetch(job).get_status() for job in jobs] == ["finished", "finished", "queued"]
    run_flask_worker(app, "default")
    assert fetch(jobs[2]).get_status() == "finished"


@pytest.fixture
def noops(monkeypatch):
    """Counts the NOOPs sent to check a kept connection."""
    sent = []
    real = mail.smtplib.SMTP.noop

    def counting(self):
        sent.append(1)
        return real(self)

    monkeypatch.setattr(mail.smtplib.SMTP, "noop", counting)
    return sent


def test_a_connection_used_moments_ago_is_reused_without_a_round_trip(app, mailbox, run_jobs, connections, noops):
    for n in range(3):
        _send(n)
    run_jobs(["mail"])
    assert len(mailbox.messages) == 3 and len(connections) == 1
    assert noops == []


def test_a_connection_idle_for_a_while_is_asked_first_and_replaced_if_it_does_not_answer(
        app, mailbox, run_jobs, connections, noops, monkeypatch):
    _send(1)
    run_jobs(["mail"])
    smtp, settings, used = mail._connection["smtp"]
    mail._connection["smtp"] = (smtp, settings, used - mail.CHECK_QUIETLY_FOR - 1)  # idle since
    _send(2)
    run_jobs(["mail"])
    assert len(noops) == 1 and len(connections) == 1  # asked, answered, reused
    smtp, settings, used = mail._connection["smtp"]
    mail._connection["smtp"] = (smtp, settings, used - mail.CHECK_QUIETLY_FOR - 1)
    monkeypatch.setattr(smtp, "noop", lambda: (421, b"closing"))  # a server that timed the session out
    _send(3)
    run_jobs(["mail"])
    assert len(connections) == 2 and sorted(m["Subject"] for m in mailbox.messages) == [
        "Message 1", "Message 2", "Message 3"]


def test_after_a_failed_job_the_worker_drops_its_smtp_connection(app, mailbox, run_jobs, connections):
    _send(1)
    run_jobs(["mail"])
    kept = mail._connection["smtp"][0]
    queue("mail").enqueue("tests.core.worker_probe.write_then", "raise", "half@example.org", retry=None)
    run_jobs(["mail"])
    assert "smtp" not in mail._connection and kept.sock is None
    _send(2)
    run_jobs(["mail"])
    assert len(connections) == 2 and len(mailbox.messages) == 2
