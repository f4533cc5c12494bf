"""Outgoing mail: an outbox table, sent by an RQ job over SMTP.

With no MAIL_SERVER configured (the embedded default) a message is written to
the log and stays readable on the admin Outbox page, so the demo works end to end.
"""
import logging
import os
import select
import smtplib
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.jobs import enqueue_after_commit
from incubator.core.timeutil import utcnow
from incubator.extensions import db

log = logging.getLogger(__name__)


STATUSES = ("queued", "sending", "sent", "logged", "failed")
# A claim older than this belongs to a worker that died mid-send; another may retry it.
STALE_CLAIM = timedelta(minutes=15)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'logged', 'failed')", name="status_known"),
        sa.CheckConstraint("status NOT IN ('sent', 'logged') OR sent_at IS NOT NULL", name="sent_at_when_sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    # Replies go to the organization the mail was sent for (the sender is a no-reply address).
    reply_to: Mapped[str | None] = mapped_column(sa.String(450))
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def _one_line(text: str) -> str:
    # Header values may not hold line breaks; a stray one must not break the mail.
    return " ".join(text.split())


def queue_mail(recipient: str, subject: str, template: str, *, reply_to: str | None = None,
               **context) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` into the outbox; sent after commit.

    `reply_to` is the Reply-To header, for mail sent on an organization's behalf
    (`organisation.reply_to`): replies reach its program team, not the no-reply sender.
    """
    body = render_template(f"mail/{template}.txt", **context)
    message = OutboxMessage(
        recipient=recipient,
        subject=_one_line(subject)[:300],
        body_text=body,
        message_id=make_msgid(domain="incubator.local"),
        reply_to=_one_line(reply_to)[:450] if reply_to else None,
    )
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit("incubator.core.mail.send_outbox_message", message.id, queue_name="mail")
    return message


# The mail job's two statements, built once: at a deadline the job runs thousands of times,
# and building a statement (and its cache key) cost more than the database took to run it.
@lru_cache(maxsize=1)
def _statements():
    table = OutboxMessage.__table__
    claimable = sa.or_(table.c.status.in_(["queued", "failed"]),
                       sa.and_(table.c.status == "sending", table.c.claimed_at < sa.bindparam("stale_before")))
    claim = (sa.update(table).where(table.c.id == sa.bindparam("outbox_id"), claimable)
             .values(status="sending", claimed_at=sa.bindparam("now"), attempts=table.c.attempts + 1)
             .returning(table.c.recipient, table.c.subject, table.c.body_text, table.c.message_id, table.c.reply_to))
    finish = (sa.update(table).where(table.c.id == sa.bindparam("outbox_id"))
              .values(status=sa.bindparam("new_status"), sent_at=sa.bindparam("when_sent"),
                      last_error=sa.bindparam("error")))
    return claim, finish


def _claim(message_id: int):
    """Compare-and-set the message to 'sending', so two workers never both send it.
    Returns what sending needs of it (recipient, subject, ...), or None if it is not ours."""
    now = utcnow()
    claimed = db.session.execute(_statements()[0],
                                 {"outbox_id": message_id, "now": now, "stale_before": now - STALE_CLAIM}).first()
    db.session.commit()
    return claimed


def _finish(message_id: int, status: str, *, error: str | None = None) -> None:
    sent_at = utcnow() if status in ("sent", "logged") else None
    db.session.execute(_statements()[1], {"outbox_id": message_id, "new_status": status, "when_sent": sent_at,
                                          "error": error[:2000] if error else None})
    db.session.commit()


def _as_email(message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email.set_content(message.body_text)
    return email


# One open SMTP connection per process, reused by the jobs it runs one after another
# (connecting, STARTTLS and AUTH cost more than sending). It is keyed by the process id,
# so a forked work horse never writes on its parent's socket, and by the settings.
_connection: dict = {}
# A connection used this recently is checked without a round trip (see `_still_open`); one
# idle for longer is asked with a NOOP, since a connection can also die without a word.
CHECK_QUIETLY_FOR = 10.0  # seconds


def _smtp_settings(config) -> tuple:
    return (os.getpid(), config["MAIL_SERVER"], config["MAIL_PORT"], bool(config.get("MAIL_USE_TLS")),
            config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"))


def _open_smtp(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _still_open(smtp: smtplib.SMTP) -> bool:
    """Between two messages a healthy connection has nothing to read: a server that hung up
    (or said 421 before hanging up) has left an end of file or a reply on the socket."""
    sock = smtp.sock
    if sock is None or sock.fileno() < 0:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable


def _reusable_smtp(config) -> smtplib.SMTP | None:
    """The connection this process left open, if it is for these settings and still answers."""
    settings = _smtp_settings(config)
    kept = _connection.pop("smtp", None)
    if kept is None:
        return None
    smtp, kept_settings, last_used = kept
    if kept_settings[0] != settings[0]:
        return None  # inherited across fork: the parent's socket, never ours to use (or close)
    if kept_settings == settings and _still_open(smtp):
        if time.monotonic() - last_used < CHECK_QUIETLY_FOR:
            return smtp
        try:
            if smtp.noop()[0] == 250:
                return smtp
        except (smtplib.SMTPException, OSError):
            pass
    close_smtp(smtp)
    return None


def close_smtp(smtp: smtplib.SMTP | None = None) -> None:
    """Close `smtp` (default: the connection this process keeps open), politely if it can."""
    if smtp is None:
        kept = _connection.pop("smtp", None)
        if kept is None or kept[1][0] != os.getpid():
            return
        smtp = kept[0]
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _deliver(email: EmailMessage, config) -> None:
    smtp = _reusable_smtp(config) or _open_smtp(config)
    try:
        smtp.send_message(email)
    except BaseException:
        close_smtp(smtp)  # the session may be mid-transaction: never hand it to the next message
        raise
    _connection["smtp"] = (smtp, _smtp_settings(config), time.monotonic())


def send_outbox_message(message_id: int) -> str:
    """Job: deliver one outbox message. Running it twice sends it once.

    :raises smtplib.SMTPException, OSError: the SMTP server failed; the message is
        marked failed and RQ retries the job with backoff.
    """
    message = _claim(message_id)
    if message is None:
        return "already sent"
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("Mail (no SMTP server configured) to %s: %s\n%s", message.recipient, message.subject, message.body_text)
        _finish(message_id, "logged")
        return "logged"
    try:
        email = _as_email(message, config["MAIL_DEFAULT_SENDER"])
    except ValueError as error:  # an address or header that cannot be written: retrying will not help
        _finish(message_id, "failed", error=f"Cannot build the message: {error}")
        return "undeliverable"
    try:
        _deliver(email, config)
    except (smtplib.SMTPException, OSError) as error:
        _finish(message_id, "failed", error=f"{type(error).__name__}: {error}")
        raise
    _finish(message_id, "sent")
    return "sent"


def requeue_unsent(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the messages whose job was lost (Redis down at commit, a worker killed).

    Safe to run at any time: sending claims each message, so a message queued twice is sent once.
    Returns how many were queued.
    """
    cutoff = utcnow() - older_than
    stuck = db.session.scalars(sa.select(OutboxMessage.id).where(sa.or_(
        sa.and_(OutboxMessage.status == "queued", OutboxMessage.created_at < cutoff),
        sa.and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - STALE_CLAIM),
    ))).all()
    for message_id in stuck:
        enqueue_after_commit("incubator.core.mail.send_outbox_message", message_id, queue_name="mail")
    db.session.commit()
    return len(stuck)


def resend(message: OutboxMessage, *, actor) -> None:
    """Queue a failed message again at an admin's request (sent after commit).

    :raises DomainError: the message is not failed (it was sent, or is on its way)
    """
    if message.status != "failed":
        raise DomainError("Only a message that failed can be sent again.")
    audit.record(actor, "mail.resend_requested", message, recipient=message.recipient)
    enqueue_after_commit("incubator.core.mail.send_outbox_message", message.id, queue_name="mail")


SWEEP_EVERY = timedelta(minutes=5)


def _sweep_job_id() -> str:
    from incubator.core.jobs import fixed_job_id

    return fixed_job_id("outbox-sweep")  # one sweep per deployment


def schedule_sweep(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the outbox sweep; scheduling it again only moves the one sweep."""
    from incubator.core.jobs import queue

    queue("mail").enqueue_in(delay, sweep_outbox, job_id=_sweep_job_id())


def sweep_outbox() -> int:
    """Job: queue again the mail whose job was lost, then schedule the next sweep."""
    count = requeue_unsent()
    schedule_sweep()
    if count:
        log.info("Outbox sweep queued %d message(s) again", count)
    return count
