"""The append-only audit trail: who did what to which object, from where, when."""
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.timeutil import utcnow
from incubator.extensions import client_address, db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
        sa.Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The email is copied so the trail still reads after an account changes.
    actor_email: Mapped[str | None] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(80), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[int | None]
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(40))
    to_state: Mapped[str | None] = mapped_column(sa.String(40))
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor = db.relationship("User", foreign_keys=[actor_id], lazy="joined")


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("The audit trail is append-only.")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("The audit trail is append-only.")


def record(
    actor,
    action: str,
    obj=None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    organisation_id: int | None = None,
    actor_email: str | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its change).

    `obj` must have been flushed so it has an id; `actor` may be None for the
    system or an anonymous visitor (then `actor_email` says who was claimed).
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    if organisation_id is None and obj is not None:
        organisation_id = getattr(obj, "audit_organisation_id", None)
    entry = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=actor_email or getattr(actor, "email", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        organisation_id=organisation_id,
        from_state=str(from_state) if from_state is not None else None,
        to_state=str(to_state) if to_state is not None else None,
        ip_address=client_address() if has_request_context() else None,
        details=details or None,
    )
    db.session.add(entry)
    return entry
