"""Notices a person may take as they happen or in one daily digest (incubation's reminders
and decisions today; the grants and sustainability reminders after).

    digests.notify(user, subject, "milestone_due", reply_to=org.reply_to, **context)

sends the mail now for a person who chose "immediate" (the default), or keeps the rendered
notice for their next daily digest. `send_daily_digests` (a scheduled sweep, safe to run any
number of times and by two workers at once) sends each person at most one digest a day:
the day is claimed through core.notices in the same transaction that queues the mail and
marks the notices sent.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template, url_for
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.timeutil import local, utcnow
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


@dataclass(frozen=True)
class Notice:
    """One notice for `notify_many`: the arguments `notify` takes."""

    user: object
    subject: str
    template: str
    kind: str
    reply_to: str | None = None
    context: dict = field(default_factory=dict)


def notify_many(notices: list[Notice], *, now: datetime | None = None) -> dict[str, int]:
    """`notify` for many notices at once (a sweep's): the same mail in the outbox (each sent by
    its own mail job after commit) or the same kept notices, written in a few statements instead
    of a flush each. Flushes; the caller commits. Answers how many were mailed and kept."""
    from email.utils import make_msgid

    from incubator.core.jobs import enqueue_after_commit
    from incubator.core.mail import OutboxMessage

    now = now or utcnow()
    if not notices:
        return {"mailed": 0, "kept": 0}
    chosen = dict(db.session.execute(sa.select(NotificationSetting.user_id, NotificationSetting.mode).where(
        NotificationSetting.user_id.in_({n.user.id for n in notices}))).all())
    mails, kept = [], []
    for notice in notices:
        body = render_template(f"mail/{notice.template}.txt", **notice.context)
        if NoticeMode(chosen.get(notice.user.id, NoticeMode.immediate)) == NoticeMode.daily:
            kept.append({"user_id": notice.user.id, "kind": notice.kind, "subject": notice.subject[:300],
                         "reply_to": notice.reply_to, "body_text": body, "created_at": now, "sent_at": None})
        else:  # as core.mail.queue_mail writes it
            mails.append({"recipient": notice.user.email, "subject": " ".join(notice.subject.split())[:300],
                          "body_text": body, "message_id": make_msgid(domain="incubator.local"),
                          "reply_to": " ".join(notice.reply_to.split())[:450] if notice.reply_to else None,
                          "status": "queued", "attempts": 0, "created_at": utcnow()})
    db.session.flush()
    if kept:
        db.session.execute(sa.insert(DigestItem), kept)
    if mails:
        ids = db.session.scalars(sa.insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True),
                                 mails).all()
        for message_id in ids:
            enqueue_after_commit("incubator.core.mail.send_outbox_message", message_id, queue_name="mail")
    return {"mailed": len(mails), "kept": len(kept)}


# ---- the person's choice, and the daily digest (the reminders area) --------------------------

class UnknownMode(DomainError):
    def __init__(self):
        super().__init__("Choose how you want your notices: each as it happens, or one email a day.")


def set_mode(user, mode, *, actor, now: datetime | None = None) -> bool:
    """Store how `user` takes their notices (audited); False when it was already so.
    Flushes; the caller commits. Notices already kept still go out in the next digest.

    :raises UnknownMode: `mode` is not one of NoticeMode
    """
    try:
        mode = NoticeMode(mode)
    except ValueError:
        raise UnknownMode() from None
    setting = db.session.get(NotificationSetting, user.id)
    previous = NoticeMode(setting.mode) if setting else NoticeMode.immediate
    if previous == mode:
        return False
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.mode, setting.updated_at = mode, now or utcnow()
    db.session.flush()
    audit.record(actor, "notifications.mode_changed", user, from_state=previous, to_state=mode,
                 mode=MODE_WORDS[mode])
    return True


MODE_WORDS = {NoticeMode.immediate: "each notice as it happens", NoticeMode.daily: "one daily digest"}
# A person's digest goes out at the first sweep from this hour (their local time) each day.
DIGEST_HOUR = 7
DIGEST_KIND = "digest.daily"


def zones_of(user_ids) -> dict[int, str]:
    """Each person's timezone for the digest's day: the organisation they hold a role in (the
    first), else the organisation of the cohort their team is in, else DIGEST_TIMEZONE (UTC)."""
    from incubator.accounts.models import Membership, Organisation
    from incubator.applications.models import TeamMember
    from incubator.incubation.models import Cohort, CohortTeam

    user_ids = list(user_ids)
    zones: dict[int, str] = {}
    # Through a cohort first, so a role (looked up second) wins.
    for user_id, tz in db.session.execute(
            sa.select(TeamMember.user_id, Organisation.timezone)
            .join(CohortTeam, CohortTeam.team_id == TeamMember.team_id)
            .join(Cohort, Cohort.id == CohortTeam.cohort_id)
            .join(Organisation, Organisation.id == Cohort.organisation_id)
            .where(TeamMember.user_id.in_(user_ids)).order_by(TeamMember.user_id, CohortTeam.id)):
        zones[user_id] = tz
    for user_id, tz in db.session.execute(
            sa.select(Membership.user_id, Organisation.timezone)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id.in_(user_ids)).order_by(Membership.user_id, Organisation.id.desc())):
        zones[user_id] = tz
    fallback = current_app.config.get("DIGEST_TIMEZONE", "UTC")
    return {user_id: zones.get(user_id, fallback) for user_id in user_ids}


def digest_day(now: datetime, tz_name: str) -> date | None:
    """The local day whose digest is due at `now` (None before DIGEST_HOUR local)."""
    moment = local(now, tz_name)
    return moment.date() if moment.hour >= DIGEST_HOUR else None


def send_daily_digests(now: datetime | None = None, *, batch: int = 200) -> int:
    """Sweep: one mail a day to each person with kept notices, from DIGEST_HOUR in their timezone,
    with every notice kept until then. The day is claimed through core.notices in the transaction
    that queues the mail and marks the notices sent, so running it twice, or two workers at
    once, sends one digest. Commits every `batch` people. Returns the digests queued."""
    from incubator.accounts.models import User
    from incubator.core import notices
    from incubator.core.mail import queue_mail

    now = now or utcnow()
    waiting = list(db.session.scalars(sa.select(DigestItem.user_id).where(
        DigestItem.sent_at.is_(None), DigestItem.created_at <= now).distinct().order_by(DigestItem.user_id)))
    sent = 0
    for start in range(0, len(waiting), batch):
        chunk = waiting[start:start + batch]
        zones = zones_of(chunk)
        people = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(chunk)))}
        items_of: dict[int, list[DigestItem]] = {}
        for item in db.session.scalars(sa.select(DigestItem).where(
                DigestItem.user_id.in_(chunk), DigestItem.sent_at.is_(None), DigestItem.created_at <= now)
                .order_by(DigestItem.user_id, DigestItem.created_at, DigestItem.id)):
            items_of.setdefault(item.user_id, []).append(item)
        for user_id in chunk:
            person, items = people.get(user_id), items_of.get(user_id)
            day = digest_day(now, zones[user_id])
            if person is None or not items or day is None:
                continue
            if not notices.claim(DIGEST_KIND, f"day:{day.isoformat()}", f"user:{user_id}", now=now):
                continue  # today's digest went out already (this sweep or another)
            if not person.is_deactivated:
                replies = {item.reply_to for item in items}
                queue_mail(person.email, _digest_subject(items, day), "daily_digest",
                           reply_to=replies.pop() if len(replies) == 1 else None,
                           person=person, items=items, day=day, settings_url=settings_url())
                sent += 1
            db.session.execute(sa.update(DigestItem).where(DigestItem.id.in_([i.id for i in items]),
                                                           DigestItem.sent_at.is_(None))
                               .values(sent_at=now).execution_options(synchronize_session=False))
        db.session.commit()
    return sent


def _digest_subject(items, day: date) -> str:
    if len(items) == 1:
        return f"Your notices of {day:%-d %B}: {items[0].subject}"
    return f"Your notices of {day:%-d %B}: {len(items)} notices"


def external_link(endpoint: str, **values) -> str:
    """An absolute link to `endpoint`, in a request or in a job (which has no request to build from)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # one adapter per app context (a job's): a sweep builds thousands of links
        if "digest_url_adapter" not in g:
            g.digest_url_adapter = current_app.url_map.bind("localhost")
        path = g.digest_url_adapter.build(endpoint, values)
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


def settings_url() -> str:
    return external_link("core.notification_settings")
