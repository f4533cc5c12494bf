"""Releasing a tranche (finance area): staff request, finance approves (never the requester),
cancel before processing, record an outside payment to a manual payee, close a grant whose
tranches are all settled.

Every function takes objects and an explicit `actor`, moves the tranche through
`grants.lifecycle` (compare-and-set, audited), flushes and never commits: the view commits, or
rolls back on a DomainError so nothing is half-saved.
"""
import re
from datetime import datetime

import sqlalchemy as sa

from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.permissions import can, require
from incubator.extensions import db
from incubator.grants import ledger, lifecycle, notify, payouts
from incubator.grants.gateway import gateway
from incubator.grants.models import REASON_MAX, Grant, Payee, Tranche
from incubator.grants.states import GrantStatus, PayeeKind, TrancheStatus

REFERENCE_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class ReleaseRefused(DomainError):
    """The release cannot go ahead; the message says why."""


class RequesterCannotApprove(ReleaseRefused):
    def __init__(self):
        super().__init__("You requested this release, so you cannot approve it: another finance user must.")


def current_payee(grant: Grant) -> Payee | None:
    """The grantee's current payee (a team's or a school's), or None."""
    column = Payee.school_id if grant.school_id else Payee.team_id
    grantee_id = grant.school_id or grant.team_id
    return db.session.scalar(sa.select(Payee).where(column == grantee_id, Payee.replaced_at.is_(None)))


def _require_accepted(grant: Grant) -> None:
    if GrantStatus(grant.status) is not GrantStatus.accepted:
        raise ReleaseRefused(f"The grant is {GrantStatus(grant.status).label.lower()}, not accepted: "
                             "its tranches cannot be released.")


def _require_status(tranche: Tranche, *allowed: TrancheStatus, doing: str) -> None:
    status = TrancheStatus(tranche.status)
    if status not in allowed:
        raise ReleaseRefused(f"This tranche is {status.label.lower()}: it cannot be {doing}.")


def request_release(tranche: Tranche, *, actor, now: datetime) -> None:
    """Program staff ask for a due tranche to be paid (due -> requested); finance is told.

    :raises NotAllowed: the actor is not program staff of the grant's organisation
    :raises ReleaseRefused: the grant is not accepted or the tranche is not due
    :raises ChangedMeanwhile: someone else moved the tranche since it was loaded
    """
    require(actor, "request", tranche)
    _require_accepted(tranche.grant)
    _require_status(tranche, TrancheStatus.due, doing="requested")
    lifecycle.move_tranche(tranche, TrancheStatus.requested, actor=actor, requested_by_id=actor.id,
                           requested_at=now)
    db.session.flush()
    notify.release_requested(tranche)


def approve_release(tranche: Tranche, *, actor, now: datetime) -> str:
    """A finance user who did not request it approves the release (requested -> approved). To a
    Stripe payee, when the gateway moves money, the payout is queued (after commit); to a manual
    payee the tranche waits for finance to record the outside payment. Returns "queued" or
    "awaiting_payment".

    :raises NotAllowed: the actor is not finance of the grant's organisation
    :raises RequesterCannotApprove: the actor requested the release (the database refuses it too)
    :raises ReleaseRefused: the grant is not accepted, the tranche is not awaiting approval, the
        grantee has no payee or its Stripe account cannot receive payouts yet
    :raises ChangedMeanwhile: another finance user approved or cancelled it a moment ago
    """
    require(actor, "approve", tranche)
    _require_accepted(tranche.grant)
    _require_status(tranche, TrancheStatus.requested, doing="approved")
    if tranche.requested_by_id == actor.id:
        raise RequesterCannotApprove()
    payee = current_payee(tranche.grant)
    if payee is None:
        raise ReleaseRefused("The grantee has no payee yet: they connect a Stripe account, or finance records "
                             "a manual payee, before a release can be approved.")
    if not payee.can_receive:
        raise ReleaseRefused("The grantee's Stripe account cannot receive payouts yet (onboarding is not "
                             "finished), so the release cannot be approved.")
    lifecycle.move_tranche(tranche, TrancheStatus.approved, actor=actor, approved_by_id=actor.id,
                           approved_at=now, details={"payee_id": payee.id})
    db.session.flush()
    if PayeeKind(payee.kind) is PayeeKind.stripe and gateway().moves_money:
        payouts.queue_payout(tranche)
        return "queued"
    return "awaiting_payment"


def may_cancel(user, tranche: Tranche) -> bool:
    return can(user, "cancel", tranche) or can(user, "finance", tranche)


def cancel(tranche: Tranche, *, actor, reason: str, now: datetime) -> None:
    """Program staff or finance cancel a tranche that is not yet being paid, with a reason.

    :raises NotAllowed: the actor is neither program staff nor finance of the organisation
    :raises ValidationFailed: no reason, or one too long
    :raises ReleaseRefused: the tranche is processing, paid, failed or already cancelled
    :raises ChangedMeanwhile: as above
    """
    if not may_cancel(actor, tranche):
        require(actor, "cancel", tranche)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the tranche is canceled.")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"The reason is at most {REASON_MAX:,} characters.")
    if not TrancheStatus(tranche.status).is_cancellable:
        raise ReleaseRefused(f"This tranche is {TrancheStatus(tranche.status).label.lower()}: only a tranche "
                             "not yet being paid can be canceled.")
    lifecycle.move_tranche(tranche, TrancheStatus.cancelled, actor=actor, cancelled_at=now, cancel_reason=reason,
                           details={"reason": reason})
    db.session.flush()


def clean_reference(reference: str) -> str:
    """The outside payment's reference, stripped; 1-200 characters of one line of plain text.

    :raises ValidationFailed: empty, too long or with control characters
    """
    reference = (reference or "").strip()
    if not reference:
        raise ValidationFailed("Enter the payment's reference (a check number, a bank transfer id).")
    if len(reference) > REFERENCE_MAX:
        raise ValidationFailed(f"The reference is at most {REFERENCE_MAX} characters.")
    if _CONTROL.search(reference):
        raise ValidationFailed("The reference must be one line of plain text, without control characters.")
    return reference


def may_record_payment(tranche: Tranche, payee: Payee | None) -> bool:
    """An approved tranche whose payee is paid outside the portal (a manual payee, or any payee
    when the portal's gateway moves no money)."""
    return (TrancheStatus(tranche.status) is TrancheStatus.approved and payee is not None
            and (PayeeKind(payee.kind) is PayeeKind.manual or not gateway().moves_money))


def record_manual_payment(tranche: Tranche, *, reference: str, actor, now: datetime):
    """Finance records the outside payment of an approved tranche (approved -> processing ->
    paid, with the reference) and its ledger line, in the caller's transaction. Returns the
    ledger entry.

    :raises NotAllowed: the actor is not finance of the organisation
    :raises ValidationFailed: the reference is empty, too long or not plain text
    :raises ReleaseRefused: the tranche is not approved, or its payee is paid through Stripe
    :raises ChangedMeanwhile: as above
    """
    require(actor, "record_payment", tranche)
    reference = clean_reference(reference)
    _require_status(tranche, TrancheStatus.approved, doing="recorded as paid")
    payee = current_payee(tranche.grant)
    if not may_record_payment(tranche, payee):
        raise ReleaseRefused("This tranche is paid through Stripe: the payout job pays it, not a recorded payment.")
    lifecycle.move_tranche(tranche, TrancheStatus.processing, actor=actor, processing_at=now)
    lifecycle.move_tranche(tranche, TrancheStatus.paid, actor=actor, paid_at=now, manual_reference=reference,
                           details={"reference": reference})
    db.session.flush()
    entry = ledger.record_manual(tranche, reference=reference, actor=actor, now=now)
    db.session.flush()
    notify.payout_paid(tranche)
    return entry


def may_close(grant: Grant) -> bool:
    return (GrantStatus(grant.status) is GrantStatus.accepted and bool(grant.tranches)
            and all(TrancheStatus(t.status) in (TrancheStatus.paid, TrancheStatus.cancelled) for t in grant.tranches))


def close_grant(grant: Grant, *, actor, now: datetime) -> None:
    """Finance closes an accepted grant once every tranche is paid or cancelled.

    :raises NotAllowed: the actor is not finance of the organisation
    :raises ReleaseRefused: a tranche is still open, or the grant is not accepted
    :raises ChangedMeanwhile: as above
    """
    require(actor, "finance", grant)
    _require_accepted(grant)
    if not may_close(grant):
        raise ReleaseRefused("Every tranche must be paid or canceled before the grant is closed.")
    lifecycle.move_grant(grant, GrantStatus.closed, actor=actor, ended_by_id=actor.id, ended_at=now)
    db.session.flush()
