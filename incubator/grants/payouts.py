"""Paying an approved tranche (payouts area): the job on the `payments` queue, settling from
the gateway, the explicit retry. Exactly once, never more than the award, every cent in the ledger.

- `queue_payout(tranche)`: after commit, queue `pay_tranche(tranche.id)` on the payments queue
  with a job id made of the tranche id and its attempt: queueing it again while that job waits,
  is scheduled for a retry or runs does nothing (one job).
- `pay_tranche(tranche_id)`: the job. An `approved` tranche is claimed by compare-and-set
  (approved -> processing) and the claim is COMMITTED before the gateway is called; then one
  transfer with the row's idempotency key (`Tranche.idempotency_key`: the id and the attempt),
  `transfer_group` "grant-<id>" and the tranche id in its metadata. A `processing` tranche (the
  same job retried by RQ after a network error, a 5xx, a 409 or a 429, or re-queued by the
  reconciler) is sent again with the SAME key, so the gateway replays its first answer rather
  than paying twice; only within `KEY_WINDOW` of the claim (Stripe keeps keys for 24 hours),
  after which it is flagged for finance instead. Any other state (paid, failed, cancelled...)
  does nothing, so a job run twice pays once. A tranche whose grantee's payee is paid outside the
  portal (a manual payee, or the manual gateway) is never sent to the gateway: it stays
  approved for finance to record the payment.
  Before paying: the grant is accepted, the payee can receive (a Stripe account with payouts
  enabled), and the grant's payments so far plus those in flight plus this tranche stay within
  the award; otherwise the tranche fails with a message saying which.
  `TemporaryFailure` leaves the tranche processing and re-raises (RQ retries the job: the
  intervals are the config's PAYOUT_RETRY_INTERVALS); `Refused` fails it with the gateway's
  message (`failure_message`) and tells finance (`notify.payout_failed`).
- `settle(tranche, transfer, *, actor=None)`: processing -> paid with the transfer's id, paid_at,
  its ledger line and `notify.payout_paid`. Idempotent: a tranche already paid by that transfer
  is left as it is. A transfer that does not match the tranche (another amount, currency or
  tranche) is not settled: the tranche is flagged (`needs_attention`) for finance.
- `retry(tranche, *, actor, now=None)`: finance's explicit retry of a failed payout (or of one the
  reconciler flagged while processing): first the grant's transfers are listed by
  `transfer_group`; one made for this tranche is settled instead of paying again. Otherwise
  failed -> approved with `payout_attempt + 1` (a new key: the old one would replay the
  refusal), queued after commit.

Services flush and never commit; the job commits (it is its own transaction boundary).
"""
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.money import format_cents
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import gateway as gateways
from incubator.grants import ledger, notify
from incubator.grants.gateway import Refused, TemporaryFailure, Transfer
from incubator.grants.lifecycle import ChangedMeanwhile, move_tranche
from incubator.grants.models import REASON_MAX, Grant, Payee, Tranche
from incubator.grants.states import GrantStatus, PayeeKind, TrancheStatus

log = logging.getLogger(__name__)

KEY_WINDOW = timedelta(hours=24)  # Stripe keeps an idempotency key (and replays its answer) this long
DEFAULT_RETRY_INTERVALS = (10, 30, 120, 600, 1800)
_PENDING = "pending_payouts"


# ---- who is paid ----------------------------------------------------------------------------

def current_payee(grant: Grant) -> Payee | None:
    """The grantee's current payee (a team's for a planning grant, a school's otherwise)."""
    owner = Payee.team_id == grant.team_id if grant.team_id else Payee.school_id == grant.school_id
    return db.session.scalar(sa.select(Payee).where(owner, Payee.replaced_at.is_(None)))


def pays_through_gateway(payee: Payee | None) -> bool:
    """Whether a payout job pays this grantee (else finance records an outside payment)."""
    return (payee is None or payee.kind is PayeeKind.stripe) and gateways.gateway().moves_money


def _payee_of_transfer(grant: Grant, transfer: Transfer) -> Payee | None:
    owner = Payee.team_id == grant.team_id if grant.team_id else Payee.school_id == grant.school_id
    found = db.session.scalar(sa.select(Payee).where(owner, Payee.stripe_account_id == transfer.destination)
                              .order_by(Payee.replaced_at.is_not(None), Payee.id.desc()).limit(1))
    return found or current_payee(grant)


# ---- queueing -------------------------------------------------------------------------------

def job_id(tranche_id: int, attempt: int) -> str:
    """The RQ job id of a tranche's attempt (RQ ids allow letters, digits, - and _)."""
    prefix = "".join(c if c.isalnum() or c in "-_" else "-" for c in current_app.config["RQ_QUEUE_PREFIX"])
    return f"{prefix}payout-{tranche_id}-{attempt}"


def _retry():
    from rq import Retry

    intervals = current_app.config.get("PAYOUT_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)
    intervals = list(intervals) if isinstance(intervals, (list, tuple)) else [int(intervals)]
    return Retry(max=len(DEFAULT_RETRY_INTERVALS), interval=intervals)


ALIVE = ("queued", "scheduled", "started", "deferred")


def enqueue_payout(tranche_id: int, attempt: int) -> bool:
    """Queue the job of this attempt now unless it is already waiting, scheduled or running.
    Returns whether it was queued. Raises RedisError when Redis cannot be reached."""
    from rq.exceptions import DuplicateJobError
    from rq.job import Job

    from incubator.core.jobs import queue, redis_connection

    identifier = job_id(tranche_id, attempt)
    connection = redis_connection()
    existing = Job.fetch_many([identifier], connection=connection)[0]
    if existing is not None:
        status = existing.get_status(refresh=False)
        if status is not None and str(getattr(status, "value", status)) in ALIVE:
            return False
        existing.delete()  # finished or failed long ago: this is a new run of the same attempt
    try:
        queue("payments").enqueue(pay_tranche, tranche_id, job_id=identifier, retry=_retry(), unique=True)
    except DuplicateJobError:
        return False
    return True


def queue_payout(tranche: Tranche) -> None:
    """Queue the tranche's payout job once the current transaction commits (dropped on
    rollback). If Redis is down at commit the reconciler queues it later."""
    db.session.info.setdefault(_PENDING, {})[(tranche.id, tranche.payout_attempt)] = None


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session):
    for tranche_id, attempt in session.info.pop(_PENDING, {}):
        try:
            enqueue_payout(tranche_id, attempt)
        except RedisError:
            # The approval is committed; the reconciler re-queues approved tranches left unqueued.
            log.exception("Could not queue the payout of tranche %s (attempt %s)", tranche_id, attempt)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


# ---- the job --------------------------------------------------------------------------------

def _in_flight_cents(tranche: Tranche) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Tranche.amount_cents), 0)).where(
        Tranche.grant_id == tranche.grant_id, Tranche.id != tranche.id,
        Tranche.status == TrancheStatus.processing)))


def _why_not_payable(tranche: Tranche, payee: Payee | None) -> str | None:
    grant = tranche.grant
    if grant.status is not GrantStatus.accepted:
        return f"The grant is {GrantStatus(grant.status).label.lower()}: only an accepted grant is paid."
    if payee is None:
        return "The grantee has no payee yet: they connect a Stripe account on the grant's payee page."
    if payee.kind is not PayeeKind.stripe or not payee.stripe_account_id:
        return "The grantee's payee is paid outside the portal: record the payment instead."
    if tranche.approved_at is not None and payee.created_at > tranche.approved_at:
        # Money goes where finance saw it going: a payee changed since the approval is checked again.
        return ("The grantee's payee changed after this release was approved: finance checks the new payee "
                "on the grant page, then retries the payout.")
    if not payee.payouts_enabled:
        return ("The grantee's Stripe account cannot receive payouts yet (Stripe has not enabled them): "
                "they finish the account's onboarding, then retry.")
    paid, in_flight = ledger.paid_for_grant(grant.id), _in_flight_cents(tranche)
    if paid + in_flight + tranche.amount_cents > grant.amount_cents:
        return (f"Paying {format_cents(tranche.amount_cents)} would bring the grant's payments to "
                f"{format_cents(paid + in_flight + tranche.amount_cents)} ({format_cents(paid)} paid, "
                f"{format_cents(in_flight)} being paid), above its award of {format_cents(grant.amount_cents)}.")
    return None


def _fail(tranche: Tranche, message: str, *, actor=None, now: datetime | None = None) -> None:
    move_tranche(tranche, TrancheStatus.failed, actor=actor, details={"message": message[:300]},
                 failed_at=now or utcnow(), failure_message=message[:REASON_MAX])
    notify.payout_failed(tranche)


def flag(tranche: Tranche, message: str) -> bool:
    """Flag the tranche for finance (`needs_attention`), audited and told once; True if newly flagged."""
    message = message[:REASON_MAX]
    if tranche.needs_attention == message:
        return False
    db.session.execute(sa.update(Tranche).where(Tranche.id == tranche.id).values(needs_attention=message)
                       .execution_options(synchronize_session="evaluate"))
    tranche.needs_attention = message
    audit.record(None, "grants.tranche.needs_attention", tranche, grant_id=tranche.grant_id, message=message[:300])
    notify.payout_failed(tranche)
    db.session.flush()
    return True


def pay_tranche(tranche_id: int) -> str:
    """Job: pay one tranche through the gateway, exactly once. Returns what it did: "paid",
    "failed", "flagged", "manual" (left for finance), or "nothing" (not approved or processing)."""
    tranche = db.session.get(Tranche, tranche_id)
    if tranche is None:
        return "nothing"
    grant = tranche.grant
    payee = current_payee(grant)
    status = TrancheStatus(tranche.status)
    if status is TrancheStatus.approved:
        if not pays_through_gateway(payee):
            return "manual"
        try:
            move_tranche(tranche, TrancheStatus.processing, actor=None, details={"attempt": tranche.payout_attempt},
                         processing_at=utcnow(), needs_attention="", failure_message="", failed_at=None)
            problem = _why_not_payable(tranche, payee)
            if problem:
                _fail(tranche, problem)
                db.session.commit()
                return "failed"
            db.session.commit()  # the claim is ours before any money moves
        except ChangedMeanwhile:
            db.session.rollback()
            return "nothing"  # another worker claimed it
    elif status is TrancheStatus.processing:
        if tranche.processing_at is None or utcnow() - tranche.processing_at > KEY_WINDOW:
            flag(tranche, "The payout has been processing for over 24 hours and Stripe no longer replays its "
                          "key: no transfer found; check Stripe before retrying.")
            db.session.commit()
            return "flagged"
        if payee is None or not payee.stripe_account_id:
            flag(tranche, "The payee changed while the payout was processing: check Stripe before retrying.")
            db.session.commit()
            return "flagged"
    else:
        return "nothing"

    tranche = db.session.get(Tranche, tranche_id)
    grant = tranche.grant
    try:
        transfer = gateways.gateway().transfer(
            amount_cents=tranche.amount_cents, currency=grant.currency.lower(), destination=payee.stripe_account_id,
            idempotency_key=tranche.idempotency_key, transfer_group=grant.transfer_group,
            metadata={"tranche_id": str(tranche.id), "grant_id": str(grant.id),
                      "attempt": str(tranche.payout_attempt)})
    except TemporaryFailure:
        db.session.rollback()
        raise  # RQ retries the job; the tranche stays processing and the next run sends the same key
    except Refused as refusal:
        db.session.rollback()
        tranche = db.session.get(Tranche, tranche_id)
        if tranche.status is not TrancheStatus.processing:
            return "nothing"
        _fail(tranche, refusal.message or "The payment was refused.")
        db.session.commit()
        return "failed"
    try:
        outcome = settle(tranche, transfer)
    except ChangedMeanwhile:
        db.session.rollback()
        return "nothing"  # settled meanwhile (the reconciler, a webhook, another run)
    db.session.commit()
    return outcome


# ---- settling -------------------------------------------------------------------------------

def _mismatch(tranche: Tranche, transfer: Transfer) -> str | None:
    if transfer.tranche_id not in (None, tranche.id):
        return f"Transfer {transfer.id} names another tranche; it was not recorded here."
    if transfer.amount_cents != tranche.amount_cents or (transfer.currency or "").lower() != tranche.grant.currency.lower():
        return (f"Transfer {transfer.id} is for {format_cents(transfer.amount_cents)} {transfer.currency.upper()}, "
                f"not this tranche's {format_cents(tranche.amount_cents)}: it was not recorded; check Stripe.")
    return None


def settle(tranche: Tranche, transfer: Transfer, *, actor=None, now: datetime | None = None) -> str:
    """Record that `transfer` paid the tranche: processing -> paid, the ledger line, the grantee
    told. Returns "paid", "already" (paid by this transfer before: nothing done) or "flagged"
    (the transfer does not match, or the tranche is paid by another one: finance looks).

    An approved tranche (a transfer found for it before its claim) is claimed first.
    :raises ChangedMeanwhile: another process moved the tranche meanwhile
    """
    status = TrancheStatus(tranche.status)
    if status is TrancheStatus.paid:
        if tranche.transfer_id == transfer.id:
            return "already"
        flag(tranche, f"A second transfer {transfer.id} was found for this paid tranche (paid by "
                      f"{tranche.transfer_id or 'an outside payment'}): check Stripe and reverse it.")
        return "flagged"
    problem = _mismatch(tranche, transfer)
    if problem:
        flag(tranche, problem)
        return "flagged"
    if status is TrancheStatus.approved:
        move_tranche(tranche, TrancheStatus.processing, actor=actor, processing_at=now or utcnow())
    elif status is not TrancheStatus.processing:
        flag(tranche, f"Transfer {transfer.id} was found for this tranche while it was "
                      f"{status.label.lower()}: check Stripe.")
        return "flagged"
    move_tranche(tranche, TrancheStatus.paid, actor=actor, details={"transfer_id": transfer.id},
                 paid_at=now or utcnow(), transfer_id=transfer.id, needs_attention="")
    ledger.record_transfer(tranche, transfer.id, payee=_payee_of_transfer(tranche.grant, transfer))
    notify.payout_paid(tranche)
    db.session.flush()
    return "paid"


def transfers_for(tranche: Tranche, transfers: list[Transfer]) -> list[Transfer]:
    """The transfers (of the grant's group) made for this tranche, by their metadata."""
    return [t for t in transfers if t.tranche_id == tranche.id]


# ---- the explicit retry ---------------------------------------------------------------------

def retry(tranche: Tranche, *, actor, now: datetime | None = None) -> str:
    """Finance's retry of a failed payout (or of one flagged while processing). Lists the grant's
    transfers first: one made for this tranche settles it ("settled"); else the next attempt is
    approved and queued ("queued"). Flushes; the view commits.

    :raises DomainError: not failed (nor flagged); the gateway could not be asked (try later)
    :raises ChangedMeanwhile: someone else moved it meanwhile
    """
    now = now or utcnow()
    status = TrancheStatus(tranche.status)
    if not (status is TrancheStatus.failed or (status is TrancheStatus.processing and tranche.needs_attention)):
        raise DomainError("Only a payout that failed (or that was flagged while being paid) can be retried.")
    if tranche.requested_by_id is not None and tranche.requested_by_id == getattr(actor, "id", None):
        raise DomainError("You requested this release, so you cannot retry its payout: another finance user must.")
    gateway = gateways.gateway()
    if gateway.moves_money:
        try:
            found = transfers_for(tranche, gateway.transfers_in_group(tranche.grant.transfer_group))
        except TemporaryFailure as error:
            raise DomainError(f"Stripe could not be reached to check this grant's transfers ({error.message}). "
                              "Nothing was retried; try again in a few minutes.") from error
        if len(found) > 1:
            flag(tranche, f"{len(found)} transfers were found for this tranche: check Stripe.")
            raise DomainError(f"{len(found)} transfers were found for this tranche in Stripe: it was not retried. "
                              "Check Stripe.")
        if found:
            if status is TrancheStatus.failed:
                move_tranche(tranche, TrancheStatus.approved, actor=actor, details={"found": found[0].id})
            outcome = settle(tranche, found[0], actor=actor, now=now)
            if outcome == "flagged":
                raise DomainError(tranche.needs_attention)
            return "settled"
    if status is TrancheStatus.processing:
        _fail(tranche, "No transfer was found in Stripe for this payout; finance retried it.", actor=actor, now=now)
    move_tranche(tranche, TrancheStatus.approved, actor=actor, details={"attempt": tranche.payout_attempt + 1},
                 payout_attempt=tranche.payout_attempt + 1, failed_at=None, failure_message="",
                 needs_attention="", processing_at=None,
                 # The retry approves this attempt, to the payee as it is now.
                 approved_by_id=actor.id, approved_at=now)
    queue_payout(tranche)
    db.session.flush()
    return "queued"
