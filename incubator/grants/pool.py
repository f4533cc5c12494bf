"""A challenge's grant pool (offers area): budget, committed, paid, available.

- budget: the challenge's `grant_pool_cents`;
- committed: the amounts of the non-cancelled tranches of its grants that are offered,
  accepted or closed (an offer holds its money until it is answered);
- paid: the ledger's sum for its grants (payments minus reversals);
- available: budget - committed (what a new offer may take).

One query for the lot, whatever the number of grants.
"""
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.core.money import format_cents
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry, Tranche
from incubator.grants.states import GrantStatus, LedgerKind, TrancheStatus

COMMITTING = [s for s in GrantStatus if s.commits_money]


@dataclass(frozen=True)
class PoolFigures:
    budget_cents: int
    committed_cents: int
    paid_cents: int
    available_cents: int

    def words(self) -> str:
        """"$60,000.00 available ($500,000.00 budget, $440,000.00 committed)"."""
        return (f"{_dollars(self.available_cents)} available ({_dollars(self.budget_cents)} budget, "
                f"{_dollars(self.committed_cents)} committed)")


def _dollars(cents: int) -> str:
    text = format_cents(cents)
    return text if "." in text else f"{text}.00"


def committed_sql(challenge_id):
    return (sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount_cents), 0))
            .join(Grant, Grant.id == Tranche.grant_id)
            .where(Grant.challenge_id == challenge_id, Grant.status.in_(COMMITTING),
                   Tranche.status != TrancheStatus.cancelled)
            .scalar_subquery())


def paid_sql(challenge_id):
    signed = sa.case((LedgerEntry.kind == LedgerKind.reversal, -sa.func.abs(LedgerEntry.amount_cents)),
                     else_=LedgerEntry.amount_cents)
    return (sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
            .join(Grant, Grant.id == LedgerEntry.grant_id)
            .where(Grant.challenge_id == challenge_id)
            .scalar_subquery())


def figures(challenge) -> PoolFigures:
    """The pool's four figures, in one query."""
    committed, paid = db.session.execute(sa.select(committed_sql(challenge.id), paid_sql(challenge.id))).one()
    budget = int(challenge.grant_pool_cents or 0)
    return PoolFigures(budget_cents=budget, committed_cents=int(committed), paid_cents=int(paid),
                       available_cents=budget - int(committed))
