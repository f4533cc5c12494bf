"""Readiness instruments (versioned: domains of items rated 1-4) and assessments (a team's
members each rate every item; staff may add their own rating)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import Organisation, User
from incubator.applications.models import Application, Team
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness.states import AnswerSetStatus, AssessmentStatus, Requirement

LEVELS = ((1, "Exploring"), (2, "Emerging"), (3, "Developing"), (4, "Ready"))


class Instrument(db.Model):
    """One version of an instrument. Later versions name the first in `family_id` (the first's is
    empty); an answered version is never changed in place."""

    __tablename__ = "readiness_instruments"
    __table_args__ = (sa.UniqueConstraint("family_id", "version", name="one_row_per_version"),
                      sa.CheckConstraint("version >= 1", name="version_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[int | None] = mapped_column(sa.ForeignKey("readiness_instruments.id", ondelete="CASCADE"),
                                                  index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    domains: Mapped[list["ReadinessDomain"]] = relationship(
        back_populates="instrument", order_by="ReadinessDomain.position", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def family(self) -> int:
        return self.family_id or self.id

    @property
    def items(self) -> list["ReadinessItem"]:
        return [item for domain in self.domains for item in domain.items]


class ReadinessDomain(db.Model):
    __tablename__ = "readiness_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_instruments.id", ondelete="CASCADE"),
                                               index=True)
    # The same domain in every version of an instrument, so growth lines up across versions.
    key: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    instrument: Mapped[Instrument] = relationship(back_populates="domains")
    items: Mapped[list["ReadinessItem"]] = relationship(
        back_populates="domain", order_by="ReadinessItem.position", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.instrument.organisation_id


class ReadinessItem(db.Model):
    __tablename__ = "readiness_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_domains.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(sa.String(500))
    # What each level looks like, for 1 Exploring, 2 Emerging, 3 Developing, 4 Ready.
    descriptors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    allows_not_sure: Mapped[bool] = mapped_column(default=True)

    domain: Mapped[ReadinessDomain] = relationship(back_populates="items")

    @property
    def audit_organisation_id(self) -> int:
        return self.domain.instrument.organisation_id

    def descriptor(self, level: int) -> str:
        return (self.descriptors or ["", "", "", ""])[level - 1] if 1 <= level <= 4 else ""


class ChallengeReadiness(db.Model):
    """Which instrument a challenge's teams take, and whether it must be done before submitting."""

    __tablename__ = "challenge_readiness"
    __table_args__ = (sa.CheckConstraint("requirement = 'off' OR instrument_id IS NOT NULL",
                                         name="instrument_unless_off"),)

    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    instrument_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("readiness_instruments.id", ondelete="SET NULL"), index=True)
    requirement: Mapped[Requirement] = mapped_column(default=Requirement.off)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    instrument: Mapped[Instrument | None] = relationship()


class Assessment(db.Model):
    __tablename__ = "readiness_assessments"
    __table_args__ = (
        sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_at_when_closed"),
        sa.Index("ix_readiness_assessments_team_opened", "team_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"),
                                                       index=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_instruments.id", ondelete="RESTRICT"),
                                               index=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[AssessmentStatus] = mapped_column(default=AssessmentStatus.open)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Per domain key: [composite, spread, raters] of the completed member answers, and the staff
    # composite; kept up to date by the services so lists and growth read one row per assessment.
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    # Bumped by every change the PDF shows; the PDF made for an older revision is remade.
    revision: Mapped[int] = mapped_column(default=1)
    pdf_revision: Mapped[int | None]
    pdf_path: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    team: Mapped[Team] = relationship()
    application: Mapped[Application | None] = relationship()
    instrument: Mapped[Instrument] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    answer_sets: Mapped[list["AnswerSet"]] = relationship(back_populates="assessment", cascade="all, delete-orphan",
                                                          order_by="AnswerSet.id")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.open

    @property
    def has_current_pdf(self) -> bool:
        return bool(self.pdf_path) and self.pdf_revision == self.revision


class AnswerSet(db.Model):
    """One person's ratings in an assessment: a member's, or a staff rating of the team."""

    __tablename__ = "readiness_answer_sets"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "user_id", "is_staff", name="one_set_per_person"),
        sa.CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_at_when_completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_assessments.id", ondelete="CASCADE"),
                                               index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_staff: Mapped[bool] = mapped_column(default=False)
    status: Mapped[AnswerSetStatus] = mapped_column(default=AnswerSetStatus.in_progress)
    # Optional note per domain: {domain id (text): note}.
    notes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    assessment: Mapped[Assessment] = relationship(back_populates="answer_sets")
    user: Mapped[User] = relationship(lazy="joined")
    ratings: Mapped[list["Rating"]] = relationship(back_populates="answer_set", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.assessment.organisation_id

    @property
    def is_completed(self) -> bool:
        return self.status == AnswerSetStatus.completed

    def values(self) -> dict[int, int | None]:
        """item id -> 1-4, or None for "not sure"."""
        return {r.item_id: r.value for r in self.ratings}


class Rating(db.Model):
    __tablename__ = "readiness_ratings"
    __table_args__ = (
        sa.UniqueConstraint("answer_set_id", "item_id", name="one_rating_per_item"),
        sa.CheckConstraint("value IS NULL OR value BETWEEN 1 AND 4", name="value_one_to_four"),
        sa.CheckConstraint("NOT (is_not_sure AND value IS NOT NULL)", name="not_sure_has_no_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_set_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_answer_sets.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_items.id", ondelete="CASCADE"), index=True)
    value: Mapped[int | None]
    is_not_sure: Mapped[bool] = mapped_column(default=False)

    answer_set: Mapped[AnswerSet] = relationship(back_populates="ratings")
