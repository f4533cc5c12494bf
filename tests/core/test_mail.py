"""Mail goes into the outbox and is sent by an RQ job over SMTP, once, with retries."""
import logging
from datetime import timedelta

import sqlalchemy as sa

from incubator.core.jobs import queue
from incubator.core.mail import OutboxMessage, queue_mail, send_outbox_message
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from tests.conftest import free_port


def queue_a_message(recipient="someone@example.org", subject="Confirm your email for Incubator"):
    class Person:
        display_name = "Someone"

    message = queue_mail(recipient, subject, "confirm_email", user=Person(), confirm_url="http://localhost/confirm/x")
    return message


def mail_queue_size():
    return queue("mail").count


def test_a_message_is_queued_only_when_its_transaction_commits(app):
    queue_a_message()
    assert mail_queue_size() == 0
    db.session.commit()
    assert mail_queue_size() == 1
    assert db.session.scalar(sa.select(OutboxMessage)).status == "queued"


def test_a_rollback_drops_the_pending_job_and_the_message(app):
    queue_a_message()
    db.session.rollback()
    db.session.commit()  # a later commit must not send the dropped job either
    assert mail_queue_size() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_job_delivers_the_message_over_smtp(app, mailbox, run_jobs):
    queue_a_message()
    db.session.commit()
    run_jobs()
    delivered = mailbox.last("someone@example.org")
    assert delivered["Subject"] == "Confirm your email for Incubator"
    assert "http://localhost/confirm/x" in mailbox.body(delivered)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert (message.status, message.attempts) == ("sent", 1) and message.sent_at is not None
    assert delivered["Message-ID"] == message.message_id


def test_running_the_job_twice_sends_once(app, mailbox, run_jobs):
    message = queue_a_message()
    db.session.commit()
    run_jobs()
    queue("mail").enqueue(send_outbox_message, message.id)
    run_jobs()
    assert send_outbox_message(message.id) == "already sent"
    assert len(mailbox.to("someone@example.org")) == 1


def test_an_unreachable_smtp_server_marks_the_message_failed_and_schedules_a_retry(app, monkeypatch, mailbox, run_jobs):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    message = queue_a_message()
    db.session.commit()
    run_jobs()

    db.session.expire_all()
    failed = db.session.get(OutboxMessage, message.id)
    assert failed.status == "failed" and "Connection" in failed.last_error
    assert mailbox.messages == []
    scheduled = queue("mail").scheduled_job_registry.get_job_ids()
    assert len(scheduled) == 1, "the job was not scheduled for a retry"
    assert queue("mail").fetch_job(scheduled[0]).retries_left == 4

    monkeypatch.undo()  # the server is back: the retry sends it
    assert send_outbox_message(message.id) == "sent"
    assert len(mailbox.to("someone@example.org")) == 1
    assert db.session.get(OutboxMessage, message.id).attempts == 2


def test_a_message_claimed_by_a_worker_that_died_is_sent_later_but_a_fresh_claim_is_respected(app, mailbox):
    message = queue_a_message()
    message.status, message.claimed_at = "sending", utcnow()
    db.session.commit()
    assert send_outbox_message(message.id) == "already sent"
    message.claimed_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert send_outbox_message(message.id) == "sent"
    assert len(mailbox.messages) == 1


def test_a_subject_with_line_breaks_cannot_inject_headers(app, mailbox, run_jobs):
    queue_a_message(subject="Hello\r\nBcc: victim@example.org")
    db.session.commit()
    run_jobs()
    delivered = mailbox.last("someone@example.org")
    assert delivered["Bcc"] is None and delivered["Subject"] == "Hello Bcc: victim@example.org"


def test_without_a_mail_server_the_message_is_logged_and_readable_in_the_outbox(app, monkeypatch, caplog, run_jobs,
                                                                                 make_client, admin):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    caplog.set_level(logging.INFO, logger="incubator.core.mail")
    message = queue_a_message()
    db.session.commit()
    run_jobs()
    assert "http://localhost/confirm/x" in caplog.text
    assert db.session.get(OutboxMessage, message.id).status == "logged"

    admin_client = make_client(admin)
    outbox = admin_client.get("/admin/outbox", query_string={"status": "logged"})
    assert "Confirm your email for Incubator" in outbox.text
    page = admin_client.get(f"/admin/outbox/{message.id}")
    assert page.status_code == 200 and "http://localhost/confirm/x" in page.text
    assert "No messages yet" in admin_client.get("/admin/outbox", query_string={"status": "failed"}).text


def test_the_outbox_is_for_admins_only(make_client, staff, app):
    message = queue_a_message()
    db.session.commit()
    assert make_client(staff).get(f"/admin/outbox/{message.id}").status_code == 404


def test_mail_whose_job_was_lost_is_queued_again_and_sent_once(app, mailbox, run_jobs):
    lost = queue_a_message("lost@example.org")
    db.session.info.pop("pending_jobs")  # as if Redis had been down at commit
    db.session.commit()
    recent = queue_a_message("recent@example.org")
    db.session.commit()
    lost.created_at = utcnow() - timedelta(minutes=30)
    db.session.commit()

    from incubator.core.mail import requeue_unsent

    assert requeue_unsent() == 1
    run_jobs()
    assert len(mailbox.to("lost@example.org")) == 1 and len(mailbox.to("recent@example.org")) == 1
    assert requeue_unsent() == 0
    assert db.session.get(OutboxMessage, recent.id).status == "sent"


def test_a_redis_outage_at_commit_keeps_the_data_and_the_message_waits(app, monkeypatch, caplog):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from incubator.core import jobs

    def unreachable(name):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr(jobs, "queue", unreachable)
    message = queue_a_message()
    db.session.commit()  # does not raise
    assert db.session.get(OutboxMessage, message.id).status == "queued"
    assert "Could not queue" in caplog.text


def test_an_admin_sends_a_failed_message_again(app, monkeypatch, mailbox, run_jobs, make_client, admin):
    admin_client = make_client(admin)
    message = queue_a_message()
    db.session.commit()
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "MAIL_PORT", free_port())
        run_jobs()
    assert "Send again" in admin_client.get(f"/admin/outbox/{message.id}").text

    response = admin_client.post(f"/admin/outbox/{message.id}/resend", follow_redirects=True)
    assert "queued again" in response.text
    queue("mail").scheduled_job_registry.remove(queue("mail").scheduled_job_registry.get_job_ids()[0], delete_job=True)
    run_jobs()
    assert db.session.get(OutboxMessage, message.id).status == "sent"
    assert len(mailbox.to("someone@example.org")) == 1

    again = admin_client.post(f"/admin/outbox/{message.id}/resend", follow_redirects=True)
    assert "Only a message that failed can be sent again." in again.text
    assert "Send again" not in again.text


def test_the_outbox_sweep_sends_lost_mail_and_schedules_the_next_sweep(app, mailbox, run_jobs):
    from incubator.core.jobs import queue
    from incubator.core.mail import schedule_sweep

    lost = queue_a_message("lost@example.org")
    db.session.info.pop("pending_jobs")  # as if Redis had been down at commit
    db.session.commit()
    lost.created_at = utcnow() - timedelta(minutes=30)
    db.session.commit()

    schedule_sweep(timedelta(0))
    schedule_sweep(timedelta(0))  # scheduling twice still means one sweep
    mail_queue = queue("mail")
    assert len(mail_queue.scheduled_job_registry.get_job_ids()) == 1
    run_jobs()
    assert len(mailbox.to("lost@example.org")) == 1
    # The sweep put itself back on the schedule, a few minutes ahead.
    assert len(mail_queue.scheduled_job_registry.get_job_ids()) == 1
