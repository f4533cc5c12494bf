"""Mail an organisation words itself: a subject and a body with placeholders, edited by its
staff, with the portal's default where it wrote none.

Each kind of mail is registered once by the domain that sends it, with its default text and
the placeholders it fills:

    mail_templates.register("review.decision.select", "Selected", subject="...", body="...",
                            placeholders=("team", "school", "challenge", "round", "decision"))

A placeholder is written `{team}` in the text. Rendering fills only the registered
placeholders (anything else in braces is left as typed), so staff text can never reach
attributes or other values.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.timeutil import utcnow
from incubator.extensions import db


class MailTemplate(db.Model):
    """An organisation's own wording of one kind of mail."""

    __tablename__ = "mail_templates"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key", name="one_template_per_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    subject: str
    body: str
    placeholders: tuple[str, ...]


KINDS: dict[str, Kind] = {}


def register(key: str, label: str, *, subject: str, body: str, placeholders: tuple[str, ...]) -> Kind:
    KINDS[key] = Kind(key, label, subject, body, placeholders)
    return KINDS[key]
