"""Review rounds of a challenge, their rubrics, the reviewers' pool, conflicts of interest,
assignments (each carrying its reviewer's review), scores, bids and decisions."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.challenges.models import Challenge
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.states import Bid, ConflictSource, Outcome, Recommendation, ReviewStatus, RoundEntry

# The widest scale a criterion may have (a descriptor per point must still fit on a phone).
MAX_SCALE_POINTS = 11


class ReviewRound(db.Model):
    __tablename__ = "review_rounds"
    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
        sa.CheckConstraint("reviewers_per_application >= 1", name="at_least_one_reviewer"),
        sa.CheckConstraint("max_load IS NULL OR max_load >= 1", name="max_load_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # k: how many reviewers each application gets.
    reviewers_per_application: Mapped[int] = mapped_column(default=3)
    # The most applications any one reviewer gets (a reviewer's own maximum may be lower).
    max_load: Mapped[int | None]
    is_blind: Mapped[bool] = mapped_column(default=False)
    entry: Mapped[RoundEntry] = mapped_column(default=RoundEntry.eligible)
    # Reviewers may say which applications they would like to review.
    has_bids: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    challenge: Mapped[Challenge] = relationship()
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="round", order_by="Criterion.position", cascade="all, delete-orphan")
    reviewers: Mapped[list["RoundReviewer"]] = relationship(back_populates="round", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.challenge.organisation_id

    @property
    def organisation_id(self) -> int:
        return self.challenge.organisation_id

    @property
    def timezone(self) -> str:
        return self.challenge.organisation.timezone

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


class Criterion(db.Model):
    """One line of a round's rubric: a weight and a scale lo..hi with a descriptor per point."""

    __tablename__ = "review_criteria"
    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint(f"scale_lo < scale_hi AND scale_hi - scale_lo < {MAX_SCALE_POINTS}", name="scale_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(sa.String(200))
    guidance: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(8, 3), default=Decimal(1))
    scale_lo: Mapped[int] = mapped_column(default=1)
    scale_hi: Mapped[int] = mapped_column(default=5)
    # One descriptor per point, lo first ("" where staff wrote none).
    descriptors: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    allows_na: Mapped[bool] = mapped_column(default=False)

    round: Mapped[ReviewRound] = relationship(back_populates="criteria")

    @property
    def audit_organisation_id(self) -> int:
        return self.round.audit_organisation_id

    @property
    def points(self) -> list[tuple[int, str]]:
        descriptors = list(self.descriptors or [])
        return [(value, descriptors[i] if i < len(descriptors) else "")
                for i, value in enumerate(range(self.scale_lo, self.scale_hi + 1))]


class RoundReviewer(db.Model):
    """A reviewer in a round's pool, with their own maximum load where they asked for one."""

    __tablename__ = "review_round_reviewers"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "user_id", name="reviewer_once_per_round"),
        sa.CheckConstraint("max_load IS NULL OR max_load >= 0", name="own_max_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    max_load: Mapped[int | None]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Before scoring a blind round, the reviewer declares against the round's list of names.
    list_declared_at: Mapped[datetime | None]

    round: Mapped[ReviewRound] = relationship(back_populates="reviewers")
    user: Mapped[User] = relationship(lazy="joined")


class ReviewerProfile(db.Model):
    """What a reviewer knows (expertise tags) and who they are tied to (names, emails, domains)."""

    __tablename__ = "reviewer_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    expertise: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # One tie per line: a person's or organisation's name, an email address or a domain.
    ties: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class Conflict(db.Model):
    """A reviewer who may not review an application (in any round of its challenge).

    Automatic conflicts are stored too, so a conflict staff lift stays lifted."""

    __tablename__ = "review_conflicts"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id", name="one_conflict_per_pair"),
        sa.CheckConstraint("lifted_at IS NULL OR lifted_by_id IS NOT NULL", name="lifted_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[ConflictSource]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def audit_organisation_id(self) -> int:
        return self.application.challenge.organisation_id


class Assignment(db.Model):
    """A reviewer assigned to an application in a round, and their review of it."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "application_id", "reviewer_id", name="assigned_once"),
        sa.CheckConstraint("status <> 'submitted' OR (submitted_at IS NOT NULL AND recommendation IS NOT NULL)",
                           name="submitted_is_complete"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_out_of_100"),
        sa.Index("ix_review_assignments_reviewer", "reviewer_id", "round_id"),
        sa.Index("ix_review_assignments_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: placed by the automatic assignment.
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The "new assignments" email that named this one went out.
    notified_at: Mapped[datetime | None]
    # The reviewer confirmed "no conflict" on the declaration page.
    declared_at: Mapped[datetime | None]

    status: Mapped[ReviewStatus] = mapped_column(default=ReviewStatus.not_started)
    # Compare-and-set: a save names the version it was based on.
    version: Mapped[int] = mapped_column(default=1)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    recommendation: Mapped[Recommendation | None]
    # The review's score out of 100 (scoring.review_score), kept as the criteria are scored.
    score: Mapped[float | None] = mapped_column(sa.Float)
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]

    round: Mapped[ReviewRound] = relationship()
    application: Mapped[Application] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list["CriterionScore"]] = relationship(back_populates="assignment", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.round.audit_organisation_id


class CriterionScore(db.Model):
    """A reviewer's score of one criterion: a point on its scale, or n/a, with a comment."""

    __tablename__ = "review_scores"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "criterion_id", name="one_score_per_criterion"),
        sa.CheckConstraint("NOT (is_na AND value IS NOT NULL)", name="na_has_no_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("review_assignments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("review_criteria.id", ondelete="RESTRICT"), index=True)
    value: Mapped[int | None]
    is_na: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    assignment: Mapped[Assignment] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class ReviewBid(db.Model):
    __tablename__ = "review_bids"
    __table_args__ = (sa.UniqueConstraint("round_id", "application_id", "reviewer_id", name="bid_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    bid: Mapped[Bid]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Decision(db.Model):
    """Staff's decision on an application in a round (the latest one counts)."""

    __tablename__ = "review_decisions"
    __table_args__ = (sa.UniqueConstraint("round_id", "application_id", name="one_decision_per_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[Outcome]
    rationale: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Whether the team sees the reviewers' comments (without names) on its application page.
    shares_comments: Mapped[bool] = mapped_column(default=False)
    notified_at: Mapped[datetime | None]

    round: Mapped[ReviewRound] = relationship()
    application: Mapped[Application] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def audit_organisation_id(self) -> int:
        return self.round.audit_organisation_id
