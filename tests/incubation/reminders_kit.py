"""Helpers of the reminders tests: put a milestone on a chosen local day, read what was mailed."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from incubator.core.digests import DigestItem
from incubator.core.mail import OutboxMessage
from incubator.core.notices import SentNotice
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.models import Milestone

FAR = date(2030, 1, 1)


def at_local(day: date, hour: int, minute: int = 0, tz: str = "America/Chicago") -> datetime:
    """The UTC moment of a wall-clock time in `tz`."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def set_due(milestone: Milestone, day: date) -> Milestone:
    """Due on local `day` in its organisation's timezone (what staff's "shift dates" does)."""
    milestone.due_on = day
    milestone.due_at = schedule.due_moment(day, milestone.cohort_team.cohort.timezone)
    return milestone


def only_due(world, *pairs) -> None:
    """Every milestone of the world's teams due far away, except the (milestone, day) pairs given."""
    for team in world.teams:
        for milestone in team.milestones:
            set_due(milestone, FAR)
    for milestone, day in pairs:
        set_due(milestone, day)
    db.session.commit()


def outbox(recipient: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    db.session.expire_all()
    return list(db.session.scalars(query))


def subjects(recipient: str) -> list[str]:
    return [m.subject for m in outbox(recipient)]


def claims(kind_prefix: str = "incubation.reminder.") -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(SentNotice.kind, SentNotice.subject, SentNotice.recipient)
        .where(SentNotice.kind.startswith(kind_prefix)).order_by(SentNotice.id))]


def kept(user) -> list[DigestItem]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DigestItem).where(DigestItem.user_id == user.id)
                                   .order_by(DigestItem.id)))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
