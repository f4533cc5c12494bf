"""Notices sent exactly once (reminders, "you have new assignments"), whoever runs the sweep
and however often: the database, not Redis, remembers what went out.

    if notices.claim("review.round_closing", f"round:{round.id}", reviewer.email, now=now):
        queue_mail(...)

`claim` inserts a row under a unique (kind, subject, recipient) in the caller's transaction
and answers whether this call was the one that inserted it; the caller queues the mail in
the same transaction, so a notice is claimed if and only if its mail is queued.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.timeutil import utcnow
from incubator.extensions import db


class SentNotice(db.Model):
    __tablename__ = "sent_notices"
    __table_args__ = (sa.UniqueConstraint("kind", "subject", "recipient", name="notice_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(80))       # e.g. "review.round_closing"
    subject: Mapped[str] = mapped_column(sa.String(120))   # what it is about, e.g. "round:12"
    recipient: Mapped[str] = mapped_column(sa.String(320))  # an email address, or e.g. "team:4"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SentNotice.__table__)


def claim(kind: str, subject: str, recipient: str, *, now: datetime) -> bool:
    """Record that this notice goes out now; False when it already went (nothing is written)."""
    table = SentNotice.__table__
    statement = (_insert().values(kind=kind, subject=subject, recipient=recipient, sent_at=now)
                 .on_conflict_do_nothing(index_elements=["kind", "subject", "recipient"]).returning(table.c.id))
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT the dialect adds RETURNING to.
    return db.session.execute(statement).scalar() is not None


def claim_many(pairs: list[tuple[str, str]], recipient: str, *, now: datetime) -> set[tuple[str, str]]:
    """`claim` for many (kind, subject) pairs in one statement (a sweep's batch): the same unique
    rows, in the caller's transaction; answers the pairs this call inserted (the others went
    before, or another sweep holds them, and the unique row makes it wait for that one's commit).
    Claim in a stable order (e.g. by milestone), so two sweeps cannot deadlock."""
    if not pairs:
        return set()
    table = SentNotice.__table__
    statement = (_insert().values([{"kind": k, "subject": s, "recipient": recipient, "sent_at": now}
                                   for k, s in pairs])
                 .on_conflict_do_nothing(index_elements=["kind", "subject", "recipient"])
                 .returning(table.c.kind, table.c.subject))
    return {tuple(row) for row in db.session.execute(statement)}


def was_sent(kind: str, subject: str, recipient: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice).where(
        SentNotice.kind == kind, SentNotice.subject == subject, SentNotice.recipient == recipient)) > 0
