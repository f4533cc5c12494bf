"""Grants: an offer to a selected team or a school, paid in tranches; the grantee's payee
(a Stripe Connect account or a manual payee); the append-only ledger of every money
movement; and the Stripe events already handled (each once)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import Organisation, User
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, LedgerKind, PayeeKind, TrancheStatus
from incubator.incubation.models import School, TemplateMilestone

TERMS_MAX = 20_000
REASON_MAX = 1_000
MAX_TRANCHES = 12
MAX_GRANT_CENTS = 100_000_000_00  # one hundred million dollars: beyond any grant, refused as a typo


class Grant(db.Model):
    __tablename__ = "grants"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("currency = 'USD'", name="currency_usd"),
        # A grant goes to one grantee: a team (a planning grant) or a school (launch, transition).
        sa.CheckConstraint("(team_id IS NULL) <> (school_id IS NULL)", name="one_grantee"),
        sa.CheckConstraint("status <> 'accepted' OR accepted_at IS NOT NULL", name="accepted_has_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    # The pool it draws from.
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[GrantKind]
    # A planning grant: the selected application and its team. A launch or transition grant: the school.
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("applications.id", ondelete="RESTRICT"),
                                                       index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schools.id", ondelete="RESTRICT"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    terms: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown, rendered safe
    # The last local day it can be accepted, and the UTC moment that day ends in the organisation.
    expires_on: Mapped[date]
    expires_at: Mapped[datetime]
    status: Mapped[GrantStatus] = mapped_column(default=GrantStatus.offered, index=True)
    version: Mapped[int] = mapped_column(default=1)
    offered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The award letter: the SHA-256 of the PDF as it was last made (the job sets it).
    letter_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Acceptance: who, the full name they typed, when, from where, and the letter they accepted.
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    accepted_name: Mapped[str | None] = mapped_column(sa.String(200))
    accepted_at: Mapped[datetime | None]
    accepted_ip: Mapped[str | None] = mapped_column(sa.String(64))
    accepted_letter_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Declined, withdrawn or closed: when, by whom, why.
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")

    organisation: Mapped[Organisation] = relationship()
    challenge: Mapped[Challenge] = relationship()
    application: Mapped[Application | None] = relationship()
    team: Mapped[Team | None] = relationship()
    school: Mapped[School | None] = relationship()
    offered_by: Mapped[User | None] = relationship(foreign_keys=[offered_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])
    tranches: Mapped[list["Tranche"]] = relationship(back_populates="grant", order_by="Tranche.position",
                                                     cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def transfer_group(self) -> str:
        """Every Stripe transfer of this grant carries it; the reconciler lists by it."""
        return f"grant-{self.id}"

    @property
    def grantee_team(self) -> Team | None:
        """The team whose members are the grantee (a school's own team for a school grant)."""
        return self.team if self.team_id else (self.school.team if self.school else None)

    @property
    def grantee_name(self) -> str:
        if self.school_id:
            return self.school.name
        return self.application.school_name if self.application and self.application.school_name else self.team.name

    def __repr__(self) -> str:
        return f"<Grant {self.id} {self.status}>"


class Tranche(db.Model):
    __tablename__ = "grant_tranches"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("condition <> 'on_date' OR due_on IS NOT NULL", name="date_condition_has_date"),
        # Two different people behind every release: the approver is never the requester.
        sa.CheckConstraint("approved_by_id IS NULL OR requested_by_id IS NULL OR approved_by_id <> requested_by_id",
                           name="approver_not_requester"),
        sa.CheckConstraint("status <> 'paid' OR paid_at IS NOT NULL", name="paid_has_time"),
        sa.CheckConstraint("payout_attempt >= 1", name="attempt_positive"),
        sa.UniqueConstraint("grant_id", "position", name="position_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    condition: Mapped[DueCondition]
    due_on: Mapped[date | None]  # on_date: the local day it becomes due
    # on_milestone: the template milestone whose approval (for the grantee's team) makes it due.
    template_milestone_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incubation_template_milestones.id", ondelete="SET NULL"), index=True)
    milestone_title: Mapped[str] = mapped_column(sa.String(200), default="")  # as named when offered
    status: Mapped[TrancheStatus] = mapped_column(default=TrancheStatus.scheduled, index=True)
    version: Mapped[int] = mapped_column(default=1)
    became_due_at: Mapped[datetime | None]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    # The payout: which attempt (an explicit retry after a failure is the next one; network
    # retries of one attempt reuse its idempotency key), when a worker claimed it, the result.
    payout_attempt: Mapped[int] = mapped_column(default=1)
    processing_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    transfer_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    manual_reference: Mapped[str | None] = mapped_column(sa.String(200))
    failed_at: Mapped[datetime | None]
    failure_message: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    # Set by the reconciler when it cannot settle the tranche by itself: finance must look.
    needs_attention: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")

    grant: Mapped[Grant] = relationship(back_populates="tranches")
    template_milestone: Mapped[TemplateMilestone | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def audit_organisation_id(self) -> int:
        return self.grant.organisation_id

    @property
    def idempotency_key(self) -> str:
        """Derived from the row and its attempt: every retry of one attempt sends the same key,
        so Stripe replays the first answer rather than paying again."""
        return f"incubator-tranche-{self.id}-attempt-{self.payout_attempt}"

    def __repr__(self) -> str:
        return f"<Tranche {self.id} {self.status}>"


class Payee(db.Model):
    """Where a grantee's money goes. One current payee per grantee (a team or a school); a
    change keeps the old row (replaced_at) so the ledger still names where money went."""

    __tablename__ = "grant_payees"
    __table_args__ = (
        sa.CheckConstraint("(team_id IS NULL) <> (school_id IS NULL)", name="one_grantee"),
        sa.CheckConstraint("kind <> 'stripe' OR stripe_account_id IS NOT NULL", name="stripe_has_account"),
        sa.Index("uq_grant_payees_current_team", "team_id", unique=True,
                 postgresql_where=sa.text("replaced_at IS NULL"), sqlite_where=sa.text("replaced_at IS NULL")),
        sa.Index("uq_grant_payees_current_school", "school_id", unique=True,
                 postgresql_where=sa.text("replaced_at IS NULL"), sqlite_where=sa.text("replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PayeeKind]
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)
    details_submitted: Mapped[bool] = mapped_column(default=False)
    status_checked_at: Mapped[datetime | None]
    # A manual payee: who is paid, and how (e.g. "check to the school's operating account").
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    instructions: Mapped[str] = mapped_column(sa.String(REASON_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    replaced_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def can_receive(self) -> bool:
        return self.kind is PayeeKind.manual or self.payouts_enabled


class LedgerEntry(db.Model):
    """One money movement. Append-only: the ORM refuses updates and deletes, as the audit trail does."""

    __tablename__ = "grant_ledger"
    __table_args__ = (
        sa.CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
        sa.CheckConstraint("kind = 'reversal' OR amount_cents > 0", name="payments_positive"),
        sa.CheckConstraint("kind <> 'transfer' OR transfer_id IS NOT NULL", name="transfer_has_id"),
        sa.CheckConstraint("kind <> 'manual_payment' OR reference IS NOT NULL", name="manual_has_reference"),
        # One payment per tranche in the ledger, whatever path recorded it.
        sa.Index("uq_grant_ledger_one_payment", "tranche_id", unique=True,
                 postgresql_where=sa.text("kind <> 'reversal'"), sqlite_where=sa.text("kind <> 'reversal'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="RESTRICT"), index=True)
    tranche_id: Mapped[int] = mapped_column(sa.ForeignKey("grant_tranches.id", ondelete="RESTRICT"), index=True)
    payee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grant_payees.id", ondelete="RESTRICT"))
    kind: Mapped[LedgerKind]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    transfer_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    grant: Mapped[Grant] = relationship()
    tranche: Mapped[Tranche] = relationship()
    payee: Mapped[Payee | None] = relationship()
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("The ledger is append-only.")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("The ledger is append-only.")


class StripeEvent(db.Model):
    """A Stripe webhook event already handled: inserted in the transaction of its effect, so an
    event that arrives twice has its effect once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    object_id: Mapped[str] = mapped_column(sa.String(255), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


# The database refuses changes to the ledger too (PostgreSQL: updates and deletes; SQLite:
# updates, so the test suite can still empty its tables between tests). TRUNCATE is not a row
# change. The migration creates the same triggers.
LEDGER_TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION grant_ledger_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'The ledger is append-only.'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER grant_ledger_append_only BEFORE UPDATE OR DELETE ON grant_ledger "
        "FOR EACH ROW EXECUTE FUNCTION grant_ledger_append_only()",
    ],
    "sqlite": [
        "CREATE TRIGGER grant_ledger_append_only BEFORE UPDATE ON grant_ledger "
        "BEGIN SELECT RAISE(ABORT, 'The ledger is append-only.'); END",
    ],
}
for _dialect, _statements in LEDGER_TRIGGERS.items():
    for _statement in _statements:
        event.listen(LedgerEntry.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))
