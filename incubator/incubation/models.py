"""Incubation: an organisation's milestone template, cohorts of selected teams with their
coaches, each team's milestones (with evidence and the review conversation), the stakeholder
input log, the coaching log, readiness checkpoints, outcomes, and the school record a team
recommended to launch gets (a small model the sustainability domain completes)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import Organisation, User
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.states import (EvidenceKind, IncubationOutcome, InputMethod, CohortTeamStatus,
                                         MilestoneKind, MilestoneStatus, StakeholderGroup)

TITLE_MAX = 200
TEXT_MAX = 10_000


class TemplateMilestone(db.Model):
    """One milestone of an organisation's template, copied into each team's plan when a cohort
    is made (later edits do not change plans already made)."""

    __tablename__ = "incubation_template_milestones"
    __table_args__ = (
        sa.CheckConstraint("due_offset_days >= 0", name="offset_not_negative"),
        sa.CheckConstraint("required_sessions IS NULL OR required_sessions >= 1", name="sessions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_needed: Mapped[str] = mapped_column(sa.Text, default="")
    due_offset_days: Mapped[int] = mapped_column(default=0)
    required_for_launch: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[MilestoneKind] = mapped_column(default=MilestoneKind.standard)
    # For a coaching milestone: how many logged sessions it needs.
    required_sessions: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


class Cohort(db.Model):
    __tablename__ = "incubation_cohorts"
    __table_args__ = (sa.CheckConstraint("length_months BETWEEN 1 AND 36", name="length_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    starts_on: Mapped[date]
    length_months: Mapped[int] = mapped_column(default=6)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    challenge: Mapped[Challenge] = relationship()
    coaches: Mapped[list["CohortCoach"]] = relationship(back_populates="cohort", cascade="all, delete-orphan")
    teams: Mapped[list["CohortTeam"]] = relationship(back_populates="cohort", cascade="all, delete-orphan",
                                                           order_by="CohortTeam.id")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def timezone(self) -> str:
        return self.organisation.timezone

    @property
    def ends_on(self) -> date:
        from incubator.incubation.schedule import add_months

        return add_months(self.starts_on, self.length_months)


class CohortCoach(db.Model):
    __tablename__ = "incubation_cohort_coaches"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id", name="coach_once_per_cohort"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="coaches")
    user: Mapped[User] = relationship(lazy="joined")


class CohortTeam(db.Model):
    """A team's place in a cohort (through its selected application), and its outcome."""

    __tablename__ = "incubation_cohort_teams"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "application_id", name="team_once_per_cohort"),
        sa.CheckConstraint("status <> 'left' OR (left_at IS NOT NULL AND left_reason IS NOT NULL)",
                           name="left_with_reason"),
        sa.CheckConstraint("outcome IS NULL OR (outcome_at IS NOT NULL AND outcome_rationale IS NOT NULL)",
                           name="outcome_with_rationale"),
        sa.CheckConstraint("outcome IS NULL OR outcome <> 'launch' OR planned_opening_year IS NOT NULL",
                           name="launch_with_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohorts.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    status: Mapped[CohortTeamStatus] = mapped_column(default=CohortTeamStatus.active)
    version: Mapped[int] = mapped_column(default=1)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    left_reason: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[IncubationOutcome | None]
    outcome_rationale: Mapped[str | None] = mapped_column(sa.Text)
    planned_opening_year: Mapped[int | None]
    outcome_at: Mapped[datetime | None]
    outcome_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship(back_populates="teams")
    application: Mapped[Application] = relationship()
    team: Mapped[Team] = relationship()
    milestones: Mapped[list["Milestone"]] = relationship(back_populates="cohort_team", cascade="all, delete-orphan",
                                                         order_by="(Milestone.position, Milestone.id)")

    @property
    def audit_organisation_id(self) -> int:
        return self.cohort.organisation_id

    @property
    def organisation_id(self) -> int:
        return self.cohort.organisation_id

    @property
    def is_active(self) -> bool:
        return self.status == CohortTeamStatus.active

    @property
    def school_name(self) -> str:
        return self.application.school_name or self.team.name


class Milestone(db.Model):
    __tablename__ = "incubation_milestones"
    __table_args__ = (
        sa.CheckConstraint("status = 'pending' OR submitted_at IS NOT NULL", name="submitted_at_unless_pending"),
        sa.CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name="approved_at_when_approved"),
        sa.CheckConstraint("required_sessions IS NULL OR required_sessions >= 1", name="sessions_positive"),
        sa.Index("ix_incubation_milestones_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_team_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohort_teams.id", ondelete="CASCADE"),
                                               index=True)
    template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incubation_template_milestones.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_needed: Mapped[str] = mapped_column(sa.Text, default="")
    required_for_launch: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[MilestoneKind] = mapped_column(default=MilestoneKind.standard)
    required_sessions: Mapped[int | None]
    # The local day it is due (shown), and the UTC moment it becomes late (the next local midnight).
    due_on: Mapped[date]
    due_at: Mapped[datetime]
    status: Mapped[MilestoneStatus] = mapped_column(default=MilestoneStatus.pending)
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # What last happened, for the grid's "latest activity" (kept by the services).
    last_activity_at: Mapped[datetime | None]
    last_activity: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort_team: Mapped[CohortTeam] = relationship(back_populates="milestones")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="milestone", cascade="all, delete-orphan",
                                                      order_by="Evidence.id")
    comments: Mapped[list["MilestoneComment"]] = relationship(back_populates="milestone",
                                                              cascade="all, delete-orphan",
                                                              order_by="MilestoneComment.id")

    @property
    def audit_organisation_id(self) -> int:
        return self.cohort_team.cohort.organisation_id

    def is_overdue(self, now: datetime) -> bool:
        from incubator.incubation.schedule import is_overdue

        return is_overdue(self.status, self.due_at, now)


class Evidence(db.Model):
    """Text, a link or a file a team hands in for a milestone (files kept by core.uploads)."""

    __tablename__ = "incubation_evidence"
    __table_args__ = (
        sa.CheckConstraint("kind <> 'text' OR body IS NOT NULL", name="text_has_body"),
        sa.CheckConstraint("kind <> 'link' OR url IS NOT NULL", name="link_has_url"),
        sa.CheckConstraint("kind <> 'file' OR stored_name IS NOT NULL", name="file_is_stored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_milestones.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[EvidenceKind]
    body: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    label: Mapped[str] = mapped_column(sa.String(TITLE_MAX), default="")
    original_filename: Mapped[str | None] = mapped_column(sa.String(255))
    stored_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    milestone: Mapped[Milestone] = relationship(back_populates="evidence")
    added_by: Mapped[User | None] = relationship()

    @property
    def audit_organisation_id(self) -> int:
        return self.milestone.audit_organisation_id


class MilestoneComment(db.Model):
    """The review conversation of a milestone: staff's comment with a decision, a reopen, a note."""

    __tablename__ = "incubation_milestone_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_milestones.id", ondelete="CASCADE"),
                                              index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The move it came with (a MilestoneStatus value), or None for a plain note.
    to_status: Mapped[MilestoneStatus | None]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    milestone: Mapped[Milestone] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class StakeholderEntry(db.Model):
    __tablename__ = "incubation_stakeholder_entries"
    __table_args__ = (sa.CheckConstraint("participants >= 1", name="participants_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_team_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohort_teams.id", ondelete="CASCADE"),
                                               index=True)
    group: Mapped[StakeholderGroup]
    held_on: Mapped[date]
    method: Mapped[InputMethod]
    participants: Mapped[int]
    takeaways: Mapped[str] = mapped_column(sa.Text)
    design_changes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    cohort_team: Mapped[CohortTeam] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audit_organisation_id(self) -> int:
        return self.cohort_team.audit_organisation_id


class CoachingSession(db.Model):
    __tablename__ = "incubation_coaching_sessions"
    __table_args__ = (sa.CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_team_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohort_teams.id", ondelete="CASCADE"),
                                               index=True)
    coach_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    held_on: Mapped[date]
    duration_minutes: Mapped[int]
    topics: Mapped[str] = mapped_column(sa.Text)
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort_team: Mapped[CohortTeam] = relationship()
    coach: Mapped[User | None] = relationship()
    replies: Mapped[list["CoachingReply"]] = relationship(back_populates="coaching_session",
                                                          cascade="all, delete-orphan",
                                                          order_by="CoachingReply.id")

    @property
    def audit_organisation_id(self) -> int:
        return self.cohort_team.audit_organisation_id


class CoachingReply(db.Model):
    __tablename__ = "incubation_coaching_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_coaching_sessions.id", ondelete="CASCADE"),
                                            index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coaching_session: Mapped[CoachingSession] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()


class Checkpoint(db.Model):
    """A readiness retake tied to a team's place in a cohort ("Intake", "Month 3", "Month 6")."""

    __tablename__ = "incubation_checkpoints"
    __table_args__ = (sa.UniqueConstraint("cohort_team_id", "label", name="checkpoint_once_per_team"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_team_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cohort_teams.id", ondelete="CASCADE"),
                                               index=True)
    label: Mapped[str] = mapped_column(sa.String(80))
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_assessments.id", ondelete="CASCADE"),
                                               unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort_team: Mapped[CohortTeam] = relationship()


class School(db.Model):
    """A school to be opened by a team recommended to launch. Small on purpose: the
    sustainability domain completes it (its reports and the people who report for it)."""

    __tablename__ = "schools"
    __table_args__ = (sa.CheckConstraint("target_enrollment IS NULL OR target_enrollment >= 1",
                                         name="enrollment_positive"),
                      sa.CheckConstraint("source IN ('launch', 'transition', 'direct', 'imported')",
                                         name="source_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    # The incubation place it came from (one school per team and cohort).
    cohort_team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incubation_cohort_teams.id", ondelete="SET NULL"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    grades: Mapped[str] = mapped_column(sa.String(40), default="")
    planned_opening_year: Mapped[int | None]
    target_enrollment: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Completed by sustainability: where the record came from (sustainability.states.SchoolSource:
    # launch, transition, direct, imported) and, for a school-transition grant, the application.
    source: Mapped[str] = mapped_column(sa.String(20), default="launch", server_default="launch")
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="SET NULL"), unique=True)

    organisation: Mapped[Organisation] = relationship()
    team: Mapped[Team | None] = relationship()

    @property
    def opening_year(self) -> int | None:
        """The calendar year the school opens (its year 1 starts that fall)."""
        return self.planned_opening_year

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id
