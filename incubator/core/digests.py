"""Notices a person may take as they happen or in one daily digest (incubation's reminders
and decisions today; the grants and sustainability reminders after).

    digests.notify(user, subject, "milestone_due", reply_to=org.reply_to, **context)

sends the mail now for a person who chose "immediate" (the default), or keeps the rendered
notice for their next daily digest. `send_daily_digests` (a scheduled sweep, safe to run any
number of times and by two workers at once) sends each person at most one digest a day:
the day is claimed through core.notices in the same transaction that queues the mail and
marks the notices sent.
"""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.timeutil import utcnow
from incubator.extensions import db


class NoticeMode(StrEnum):
    immediate = "immediate"
    daily = "daily"

    @property
    def label(self) -> str:
        return {"immediate": "Email me each notice as it happens",
                "daily": "One email a day with all my notices"}[self.value]


class NotificationSetting(db.Model):
    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[NoticeMode] = mapped_column(default=NoticeMode.immediate)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestItem(db.Model):
    """A notice kept for a person's next daily digest."""

    __tablename__ = "digest_items"
    __table_args__ = (sa.Index("ix_digest_items_unsent", "user_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    reply_to: Mapped[str | None] = mapped_column(sa.String(450))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def mode_of(user_id: int) -> NoticeMode:
    mode = db.session.scalar(sa.select(NotificationSetting.mode).where(NotificationSetting.user_id == user_id))
    return NoticeMode(mode) if mode else NoticeMode.immediate


def notify(user, subject: str, template: str, *, kind: str, reply_to: str | None = None,
           now: datetime | None = None, **context) -> str:
    """Mail `user` now, or keep the notice for their daily digest; answers "mailed" or "kept".
    Flushes; the caller commits (the mail is queued, or the notice kept, with its transaction)."""
    from incubator.core.mail import queue_mail

    if mode_of(user.id) == NoticeMode.daily:
        db.session.add(DigestItem(user_id=user.id, kind=kind, subject=subject[:300], reply_to=reply_to,
                                  body_text=render_template(f"mail/{template}.txt", **context),
                                  created_at=now or utcnow()))
        db.session.flush()
        return "kept"
    queue_mail(user.email, subject, template, reply_to=reply_to, **context)
    return "mailed"
