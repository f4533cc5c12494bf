"""Design teams, their applications, answers, four-year plans and attachments."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import User
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question
from incubator.core.invitations import InvitationLink
from incubator.core.timeutil import utcnow
from incubator.extensions import db


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    members: Mapped[list["TeamMember"]] = relationship(back_populates="team", cascade="all, delete-orphan")

    @property
    def lead(self) -> User | None:
        return next((m.user for m in self.members if m.is_lead), None)

    def has_member(self, user) -> bool:
        return any(m.user_id == getattr(user, "id", None) for m in self.members)


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (
        sa.UniqueConstraint("team_id", "user_id", name="member_once"),
        # One lead per team, enforced by the database.
        sa.Index("uq_team_members_one_lead", "team_id", unique=True,
                 postgresql_where=sa.text("is_lead"), sqlite_where=sa.text("is_lead")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_lead: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    # A member is always shown as a person: load them together (no query per member).
    user: Mapped[User] = relationship(lazy="joined")


class TeamInvitation(InvitationLink, db.Model):
    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)

    team: Mapped[Team] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys="TeamInvitation.invited_by_id")



class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        # A draft withdrawn before it was ever submitted has no submission time.
        sa.CheckConstraint("status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL",
                           name="submitted_at_unless_draft"),
        sa.CheckConstraint("status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_at_when_withdrawn"),
        sa.CheckConstraint("status <> 'ineligible' OR screening_reason IS NOT NULL", name="ineligible_has_reason"),
        sa.CheckConstraint("status NOT IN ('eligible', 'ineligible') OR screened_at IS NOT NULL",
                           name="screened_at_when_screened"),
        sa.UniqueConstraint("challenge_id", "team_id", name="one_per_team"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    status: Mapped[Status] = mapped_column(default=Status.draft)
    # Optimistic locking: a save names the version it was based on.
    version: Mapped[int] = mapped_column(default=1)

    # Core fields.
    school_name: Mapped[str] = mapped_column(sa.String(200), default="")
    grades: Mapped[str] = mapped_column(sa.String(40), default="")
    launch_year: Mapped[int | None]
    target_enrollment: Mapped[int | None]
    neighbourhood: Mapped[str] = mapped_column(sa.String(200), default="")
    # The school_transition track: an existing school describes where it stands and when it moves.
    current_grades: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    current_enrollment: Mapped[int | None]
    transition_year: Mapped[int | None]
    learner_profiles: Mapped[str] = mapped_column(sa.Text, default="")
    personal_learning_paths: Mapped[str] = mapped_column(sa.Text, default="")
    competency_based_progression: Mapped[str] = mapped_column(sa.Text, default="")
    flexible_learning_environments: Mapped[str] = mapped_column(sa.Text, default="")
    # Staff mark a school name that would identify the team: blind review rounds hide it.
    school_name_identifies_team: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    screened_at: Mapped[datetime | None]
    screened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    screening_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The PDF copy made at submission, stored under instance/ by a job.
    pdf_path: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    challenge: Mapped[Challenge] = relationship()
    team: Mapped[Team] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    answers: Mapped[list["Answer"]] = relationship(back_populates="application", cascade="all, delete-orphan")
    financial_years: Mapped[list["FinancialYear"]] = relationship(
        back_populates="application", order_by="FinancialYear.year_number", cascade="all, delete-orphan")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="application", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.challenge.organisation_id

    @property
    def is_frozen(self) -> bool:
        from incubator.applications.states import FROZEN

        return self.status in FROZEN


# One index per sort of the staff list (challenges/listing.py), each ending in the tie-break
# on id, so a page is read off the index in order instead of sorting the whole challenge.
# The status one also serves the counts by status and the status filter.
sa.Index("ix_applications_challenge_status", Application.challenge_id, Application.status,
         Application.submitted_at.desc(), Application.id.desc())
sa.Index("ix_applications_challenge_submitted", Application.challenge_id, Application.submitted_at, Application.id)
sa.Index("ix_applications_challenge_school", Application.challenge_id, sa.func.lower(Application.school_name),
         Application.id)


class Answer(db.Model):
    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("application_id", "question_id", name="one_answer_per_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    text_value: Mapped[str | None] = mapped_column(sa.Text)
    number_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    # Multiple choice: the chosen options; single choice and yes/no use text_value.
    choices_value: Mapped[list[str] | None] = mapped_column(sa.JSON)

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class FinancialYear(db.Model):
    """One year of the four-year plan. Public revenue = enrollment x per-pupil revenue."""

    __tablename__ = "financial_years"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "year_number", name="one_row_per_year"),
        sa.CheckConstraint("year_number BETWEEN 1 AND 4", name="four_years"),
        sa.CheckConstraint(
            "enrollment >= 0 AND per_pupil_revenue_cents >= 0 AND other_revenue_cents >= 0 "
            "AND operating_expenses_cents >= 0", name="not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    year_number: Mapped[int]
    enrollment: Mapped[int] = mapped_column(default=0)
    per_pupil_revenue_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    other_revenue_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    operating_expenses_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    application: Mapped[Application] = relationship(back_populates="financial_years")

    @property
    def public_revenue_cents(self) -> int:
        return self.enrollment * self.per_pupil_revenue_cents

    @property
    def coverage(self) -> float | None:
        """Share of operating expenses covered by public revenue (None when there are no expenses)."""
        if not self.operating_expenses_cents:
            return None
        return self.public_revenue_cents / self.operating_expenses_cents


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size_bytes > 0", name="not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id", ondelete="SET NULL"))
    original_filename: Mapped[str] = mapped_column(sa.String(255))
    # The name on disk is the server's own; the user's file name is only shown.
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="attachments")


class ApplicationRevision(db.Model):
    """One saved change to a draft: who saved it, when, and each field's old and new value.

    A save that was based on an older version is refused; the revisions since that
    version are what the member is shown, field by field.
    """

    __tablename__ = "application_revisions"
    __table_args__ = (sa.UniqueConstraint("application_id", "version", name="one_revision_per_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    # The version this save produced.
    version: Mapped[int]
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # [{"field": key, "label": text, "old": text, "new": text}, ...]
    changes: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)

    saved_by: Mapped[User | None] = relationship()
