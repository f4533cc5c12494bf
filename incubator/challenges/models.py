"""Challenges (calls for applications) and their own questions."""
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import Organisation
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db


class Track(StrEnum):
    new_school = "new_school"
    school_transition = "school_transition"

    @property
    def label(self) -> str:
        return {"new_school": "New school", "school_transition": "School transition"}[self.value]


# The four elements of the personalized-learning model every application describes, in order.
# A challenge names the ones a team must describe before it can submit.
MODEL_ELEMENTS = (
    ("learner_profiles", "Learner profiles"),
    ("personal_learning_paths", "Personal learning paths"),
    ("competency_based_progression", "Competency-based progression"),
    ("flexible_learning_environments", "Flexible learning environments"),
)
MODEL_ELEMENT_KEYS = tuple(key for key, _ in MODEL_ELEMENTS)


class QuestionKind(StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    number = "number"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    yes_no = "yes_no"
    file = "file"

    @property
    def label(self) -> str:
        return {
            "short_text": "Short text", "long_text": "Long text (word limit)", "number": "Number",
            "single_choice": "Single choice", "multiple_choice": "Multiple choice", "yes_no": "Yes / no",
            "file": "File",
        }[self.value]


class Challenge(db.Model):
    __tablename__ = "challenges"
    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
        sa.CheckConstraint("slots >= 1", name="at_least_one_slot"),
        sa.CheckConstraint("grant_pool_cents >= 0 AND planning_grant_cents >= 0", name="money_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    track: Mapped[Track]
    # Made as a draft (seen by the organization's staff only); published, it opens at opens_at.
    status: Mapped[ChallengeStatus] = mapped_column(default=ChallengeStatus.draft)
    summary_md: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    slots: Mapped[int] = mapped_column(default=3)
    grant_pool_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    planning_grant_cents: Mapped[int] = mapped_column(sa.BigInteger, default=10_000_000)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    # Which MODEL_ELEMENTS are needed to submit (all four unless staff choose otherwise).
    required_elements: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: list(MODEL_ELEMENT_KEYS), server_default=sa.text(
        """'["learner_profiles", "personal_learning_paths", "competency_based_progression", "flexible_learning_environments"]'"""))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    questions: Mapped[list["Question"]] = relationship(
        back_populates="challenge", order_by="Question.position", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def timezone(self) -> str:
        return self.organisation.timezone

    @property
    def is_published(self) -> bool:
        return self.status == ChallengeStatus.published

    @property
    def required_element_labels(self) -> list[str]:
        required = set(self.required_elements or [])
        return [label for key, label in MODEL_ELEMENTS if key in required]

    def has_opened(self, now: datetime) -> bool:
        """The opening time has passed (whether or not the challenge was published)."""
        return now >= self.opens_at

    def is_public(self, now: datetime) -> bool:
        """Anyone may see it: published, and its opening time has come."""
        return self.is_published and self.has_opened(now)

    def questions_locked(self, now: datetime) -> bool:
        """Teams may be answering: the questions can no longer change."""
        return self.is_public(now)

    def is_open(self, now: datetime) -> bool:
        """Accepting applications: the server's answer, checked against `now` in UTC."""
        return self.is_published and self.opens_at <= now < self.closes_at

    def __repr__(self) -> str:
        return f"<Challenge {self.slug}>"


class ChallengeSlugRedirect(db.Model):
    """A slug a published challenge had: its old address redirects to the current one."""

    __tablename__ = "challenge_slug_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped[Challenge] = relationship()


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        sa.CheckConstraint("word_limit IS NULL OR word_limit > 0", name="word_limit_positive"),
        sa.CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value <= max_value", name="bounds_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind]
    label: Mapped[str] = mapped_column(sa.String(500))
    help_text: Mapped[str] = mapped_column(sa.Text, default="")
    is_required: Mapped[bool] = mapped_column(default=False)
    word_limit: Mapped[int | None]
    min_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    max_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    # For single and multiple choice: the list of options, in order.
    choices: Mapped[list[str] | None] = mapped_column(sa.JSON)

    challenge: Mapped[Challenge] = relationship(back_populates="questions")

    @property
    def audit_organisation_id(self) -> int:
        return self.challenge.organisation_id
