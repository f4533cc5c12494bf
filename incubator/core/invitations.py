"""What every emailed invitation shares: a hashed token, an expiry, accepted or revoked once.

The lifecycle is a table like every other: a pending invitation can be accepted or
revoked; "expired" is reached by time alone and leads nowhere.
"""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from incubator.core import tokens
from incubator.core.errors import InvalidTransition, NotAllowed
from incubator.core.timeutil import utcnow
from incubator.extensions import db


class InvitationStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    revoked = "revoked"
    expired = "expired"


TRANSITIONS: dict[InvitationStatus, set[InvitationStatus]] = {
    InvitationStatus.pending: {InvitationStatus.accepted, InvitationStatus.revoked},
}


def check(current: InvitationStatus, target: InvitationStatus) -> None:
    if target not in TRANSITIONS.get(current, set()):
        if target == InvitationStatus.revoked:
            raise InvalidTransition("Only a pending invitation can be revoked.")
        raise InvalidTransition(f"This invitation is {current}.")


class InvitationLink:
    """Columns and status of an invitation accepted through a link (a declarative mixin)."""

    __table_args__ = (
        sa.CheckConstraint("NOT (accepted_at IS NOT NULL AND revoked_at IS NOT NULL)", name="accepted_or_revoked"),
    )

    email: Mapped[str] = mapped_column(sa.String(320), index=True)
    # Only a hash of the token is kept; the token itself is only in the mail.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @declared_attr
    def invited_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def accepted_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    def status(self, now: datetime) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.accepted
        if self.revoked_at:
            return InvitationStatus.revoked
        if now >= self.expires_at:
            return InvitationStatus.expired
        return InvitationStatus.pending

    def is_addressed_to(self, user) -> bool:
        """Only the account of the invited address may accept: whoever holds the link is not enough
        (links get forwarded, and a signed-in person may open someone else's)."""
        return user is not None and user.email == self.email

    def accept(self, user, now: datetime) -> InvitationStatus:
        """Mark accepted by `user`; returns the status it had.

        :raises NotAllowed: the invitation was sent to another address than the user's
        :raises InvalidTransition: not pending
        """
        if not self.is_addressed_to(user):
            raise NotAllowed(f"This invitation was sent to {self.email}, not to the address you are signed in with.")
        previous = self.status(now)
        check(previous, InvitationStatus.accepted)
        self.accepted_at, self.accepted_by_id = now, user.id
        return previous

    def revoke(self, now: datetime) -> InvitationStatus:
        """Mark revoked; returns the status it had. :raises InvalidTransition: not pending"""
        previous = self.status(now)
        check(previous, InvitationStatus.revoked)
        self.revoked_at = now
        return previous

    @classmethod
    def pending_clause(cls, now: datetime):
        return sa.and_(cls.accepted_at.is_(None), cls.revoked_at.is_(None), cls.expires_at > now)

    @classmethod
    def find_by_token(cls, token: str | None):
        """The invitation a link's token belongs to, or None (also for anything malformed)."""
        if not token or len(token) > 200:
            return None
        return db.session.scalar(sa.select(cls).where(cls.token_hash == tokens.hash_token(token)))

    @classmethod
    def pending_for(cls, user) -> sa.Select | None:
        """The query of pending invitations to the person's confirmed address (None if unconfirmed)."""
        if not user.is_confirmed:
            return None
        return sa.select(cls).where(cls.email == user.email, cls.pending_clause(utcnow())).order_by(cls.created_at)
