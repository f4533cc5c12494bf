"""The lifecycles of a grant and of its tranches, as tables (no Flask, no database).

A grant:    offered -> accepted | declined | expired | withdrawn;  accepted -> closed.
A tranche:  scheduled -> due -> requested -> approved -> processing -> paid | failed;
            failed -> approved again only by finance's explicit retry;
            scheduled, due, requested or approved -> cancelled (never once processing).
Every move goes through `grants.lifecycle` (compare-and-set, audited with from and to).
"""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class GrantKind(StrEnum):
    planning = "planning"      # a selected design team
    launch = "launch"          # a school recommended to launch
    transition = "transition"  # an existing school

    @property
    def label(self) -> str:
        return {"planning": "Planning grant", "launch": "Launch grant", "transition": "Transition grant"}[self.value]

    @property
    def for_school(self) -> bool:
        return self is not GrantKind.planning


class GrantStatus(StrEnum):
    offered = "offered"
    accepted = "accepted"
    declined = "declined"
    expired = "expired"
    withdrawn = "withdrawn"
    closed = "closed"

    @property
    def label(self) -> str:
        return {"offered": "Offered", "accepted": "Accepted", "declined": "Declined", "expired": "Expired",
                "withdrawn": "Withdrawn", "closed": "Closed"}[self.value]

    @property
    def commits_money(self) -> bool:
        """Counted as committed in the challenge's grant pool."""
        return self in (GrantStatus.offered, GrantStatus.accepted, GrantStatus.closed)


GRANT_MOVES: dict[tuple[GrantStatus, GrantStatus], str] = {
    (GrantStatus.offered, GrantStatus.accepted): "grants.grant.accepted",
    (GrantStatus.offered, GrantStatus.declined): "grants.grant.declined",
    (GrantStatus.offered, GrantStatus.expired): "grants.grant.expired",
    (GrantStatus.offered, GrantStatus.withdrawn): "grants.grant.withdrawn",
    (GrantStatus.accepted, GrantStatus.closed): "grants.grant.closed",
}


def check_grant(current, target) -> str:
    """The audit action of the move; raises InvalidTransition when the table has no such move."""
    current, target = GrantStatus(current), GrantStatus(target)
    action = GRANT_MOVES.get((current, target))
    if action is None:
        raise InvalidTransition(f"A grant that is {current.label.lower()} cannot become {target.label.lower()}.")
    return action


class TrancheStatus(StrEnum):
    scheduled = "scheduled"    # waiting for its condition
    due = "due"                # its condition is met: program staff may request the release
    requested = "requested"    # awaiting a finance user's approval (not the requester)
    approved = "approved"      # the payout is queued (or, to a manual payee, awaits the recorded payment)
    processing = "processing"  # a worker has claimed it and is paying it
    paid = "paid"
    failed = "failed"          # the gateway refused; finance reads why and may retry
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return {"scheduled": "Scheduled", "due": "Due", "requested": "Awaiting approval", "approved": "Approved",
                "processing": "Being paid", "paid": "Paid", "failed": "Failed", "cancelled": "Canceled"}[self.value]

    @property
    def is_cancellable(self) -> bool:
        return self in (TrancheStatus.scheduled, TrancheStatus.due, TrancheStatus.requested, TrancheStatus.approved)

    @property
    def counts_as_committed(self) -> bool:
        return self is not TrancheStatus.cancelled


TRANCHE_MOVES: dict[tuple[TrancheStatus, TrancheStatus], str] = {
    (TrancheStatus.scheduled, TrancheStatus.due): "grants.tranche.due",
    (TrancheStatus.due, TrancheStatus.requested): "grants.tranche.requested",
    (TrancheStatus.requested, TrancheStatus.approved): "grants.tranche.approved",
    (TrancheStatus.approved, TrancheStatus.processing): "grants.tranche.processing",
    (TrancheStatus.processing, TrancheStatus.paid): "grants.tranche.paid",
    (TrancheStatus.processing, TrancheStatus.failed): "grants.tranche.failed",
    (TrancheStatus.failed, TrancheStatus.approved): "grants.tranche.retried",
    (TrancheStatus.scheduled, TrancheStatus.cancelled): "grants.tranche.cancelled",
    (TrancheStatus.due, TrancheStatus.cancelled): "grants.tranche.cancelled",
    (TrancheStatus.requested, TrancheStatus.cancelled): "grants.tranche.cancelled",
    (TrancheStatus.approved, TrancheStatus.cancelled): "grants.tranche.cancelled",
}


def check_tranche(current, target) -> str:
    current, target = TrancheStatus(current), TrancheStatus(target)
    action = TRANCHE_MOVES.get((current, target))
    if action is None:
        raise InvalidTransition(f"A tranche that is {current.label.lower()} cannot become {target.label.lower()}.")
    return action


class DueCondition(StrEnum):
    on_acceptance = "on_acceptance"
    on_date = "on_date"
    on_milestone = "on_milestone"  # a named incubation milestone (of the organisation's template) is approved

    @property
    def label(self) -> str:
        return {"on_acceptance": "On acceptance", "on_date": "On a date",
                "on_milestone": "When a milestone is approved"}[self.value]


class PayeeKind(StrEnum):
    stripe = "stripe"  # a Stripe Connect Express account; payouts are transfers
    manual = "manual"  # paid outside the portal; finance types the reference at payment time

    @property
    def label(self) -> str:
        return {"stripe": "Stripe account", "manual": "Paid outside the portal"}[self.value]


class LedgerKind(StrEnum):
    transfer = "transfer"          # a Stripe transfer to a connected account
    manual_payment = "manual_payment"  # an outside payment, with its reference
    reversal = "reversal"          # money that came back (a transfer reversal): a negative amount

    @property
    def label(self) -> str:
        return {"transfer": "Stripe transfer", "manual_payment": "Outside payment",
                "reversal": "Reversal"}[self.value]
