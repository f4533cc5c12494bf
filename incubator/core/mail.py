"""Outgoing mail: an outbox table, sent by an RQ job over SMTP.

With no MAIL_SERVER configured (the embedded default) a message is written to
the log and stays readable on the admin Outbox page, so the demo works end to end.
"""
import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.jobs import enqueue_after_commit
from incubator.core.timeutil import utcnow
from incubator.extensions import db

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sent', 'logged', 'failed')", name="status_known"),
        sa.CheckConstraint("status NOT IN ('sent', 'logged') OR sent_at IS NOT NULL", name="sent_at_when_sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(320), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


def queue_mail(recipient: str, subject: str, template: str, **context) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` into the outbox; sent after commit."""
    body = render_template(f"mail/{template}.txt", **context)
    message = OutboxMessage(
        recipient=recipient,
        subject=subject[:300],
        body_text=body,
        message_id=make_msgid(domain="incubator.local"),
    )
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit("incubator.core.mail.send_outbox_message", message.id, queue_name="mail")
    return message


def send_outbox_message(message_id: int) -> str:
    """Job: deliver one outbox message. Running it twice sends it once.

    :raises smtplib.SMTPException, OSError: the SMTP server failed; RQ retries with backoff.
    """
    # Claim the message by compare-and-set so two workers never both send it.
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(["queued", "failed"]))
        .values(attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id)
    ).first()
    db.session.commit()
    if claimed is None:
        return "already sent"
    message = db.session.get(OutboxMessage, message_id)
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("Mail (no SMTP server configured) to %s: %s\n%s", message.recipient, message.subject, message.body_text)
        message.status, message.sent_at = "logged", utcnow()
        db.session.commit()
        return "logged"
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)
    except (smtplib.SMTPException, OSError) as error:
        message.status, message.last_error = "failed", f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        raise
    message.status, message.sent_at, message.last_error = "sent", utcnow(), None
    db.session.commit()
    return "sent"
