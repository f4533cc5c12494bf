"""The payout reconciler (payouts area): a sweep on the `payments` queue every 10 minutes.

(a) A tranche `processing` for more than `STUCK_AFTER` (its worker was killed between Stripe's
    answer and our commit, or its job ran out of retries): the grant's transfers are listed by
    `transfer_group` (one call per grant) and the one whose metadata names the tranche settles it.
    None found: within `payouts.KEY_WINDOW` of the claim its job is queued again (the same
    idempotency key: Stripe replays or makes the one transfer); later it is flagged for finance
    ("no transfer found; check Stripe before retrying"), never paid blindly. A transfer that does
    not match, or two for one tranche, are flagged too.
(b) An `approved` tranche older than `LOST_AFTER` whose job is neither waiting, scheduled nor
    running (Redis was down at commit, as `core.mail.sweep_outbox` handles for mail) is queued
    again. Tranches of manual payees (waiting for finance to record the outside payment) are
    left alone: they are never sent to the gateway.

Each tranche is settled in its own transaction, so one that cannot be settled does not hold up
the others. Safe to run at any time and in two workers at once (settling is compare-and-set,
queueing a job that is already there does nothing).
"""
import logging
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError

from incubator.core.jobs import fixed_job_id, periodic
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import gateway as gateways
from incubator.grants import payouts
from incubator.grants.gateway import GatewayError
from incubator.grants.lifecycle import ChangedMeanwhile
from incubator.grants.models import Grant, Payee, Tranche
from incubator.grants.states import PayeeKind, TrancheStatus

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=10)
STUCK_AFTER = timedelta(minutes=5)
LOST_AFTER = timedelta(minutes=10)
BATCH = 500
NOTHING_FOUND = "No transfer found for this payout after 24 hours; check Stripe before retrying."


def _settle_stuck(now: datetime, counts: dict) -> None:
    stuck = db.session.execute(
        sa.select(Tranche.id, Tranche.grant_id).where(Tranche.status == TrancheStatus.processing,
                                                      Tranche.processing_at < now - STUCK_AFTER)
        .order_by(Tranche.grant_id, Tranche.id).limit(BATCH)).all()
    by_grant: dict[int, list[int]] = defaultdict(list)
    for tranche_id, grant_id in stuck:
        by_grant[grant_id].append(tranche_id)
    gateway = gateways.gateway()
    for grant_id, tranche_ids in by_grant.items():
        group = f"grant-{grant_id}"
        try:
            transfers = gateway.transfers_in_group(group)
        except GatewayError as error:
            log.warning("Reconciler: could not list the transfers of %s: %s", group, error.message)
            counts["unreachable"] += len(tranche_ids)
            continue
        for tranche_id in tranche_ids:
            tranche = db.session.get(Tranche, tranche_id)
            if tranche is None or tranche.status is not TrancheStatus.processing:
                continue
            found = payouts.transfers_for(tranche, transfers)
            try:
                if len(found) == 1:
                    outcome = payouts.settle(tranche, found[0], now=now)
                    counts["settled" if outcome == "paid" else "flagged"] += 1
                elif found:
                    payouts.flag(tranche, f"{len(found)} transfers were found for this tranche: check Stripe.")
                    counts["flagged"] += 1
                elif tranche.processing_at and now - tranche.processing_at < payouts.KEY_WINDOW:
                    db.session.commit()
                    if payouts.enqueue_payout(tranche.id, tranche.payout_attempt):
                        counts["requeued"] += 1
                    continue
                else:
                    if payouts.flag(tranche, NOTHING_FOUND):
                        counts["flagged"] += 1
                db.session.commit()
            except ChangedMeanwhile:
                db.session.rollback()
            except RedisError:
                db.session.rollback()
                log.exception("Reconciler: could not queue the payout of tranche %s again", tranche_id)


def _requeue_lost(now: datetime, counts: dict) -> None:
    if not gateways.gateway().moves_money:
        return  # every payee is paid outside the portal
    team_payee = sa.select(Payee.id).where(Payee.team_id == Grant.team_id, Payee.replaced_at.is_(None),
                                           Payee.kind == PayeeKind.manual).exists()
    school_payee = sa.select(Payee.id).where(Payee.school_id == Grant.school_id, Payee.replaced_at.is_(None),
                                             Payee.kind == PayeeKind.manual).exists()
    manual = sa.or_(sa.and_(Grant.team_id.is_not(None), team_payee), sa.and_(Grant.team_id.is_(None), school_payee))
    lost = db.session.execute(
        sa.select(Tranche.id, Tranche.payout_attempt).join(Grant, Grant.id == Tranche.grant_id)
        .where(Tranche.status == TrancheStatus.approved,
               sa.func.coalesce(Tranche.approved_at, Tranche.requested_at) < now - LOST_AFTER,
               sa.not_(manual))
        .order_by(Tranche.id).limit(BATCH)).all()
    db.session.commit()
    for tranche_id, attempt in lost:
        try:
            if payouts.enqueue_payout(tranche_id, attempt):
                counts["requeued"] += 1
        except RedisError:
            log.exception("Reconciler: could not queue the payout of tranche %s", tranche_id)
            return


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """One pass of (a) and (b); commits. Returns counts: settled, flagged, requeued, unreachable."""
    now = now or utcnow()
    counts: dict[str, int] = defaultdict(int)
    if gateways.gateway().moves_money:
        _settle_stuck(now, counts)
    _requeue_lost(now, counts)
    db.session.commit()
    return {name: counts.get(name, 0) for name in ("settled", "flagged", "requeued", "unreachable")}


def _job_id() -> str:
    return fixed_job_id("payout-reconciler")


@periodic("payments")
def start_sweep() -> None:
    """A worker serving `payments` starts the sweep (half a minute after it starts)."""
    schedule_sweep(timedelta(seconds=30))


def schedule_sweep(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the sweep; scheduling it again only moves the one sweep (a fixed job id)."""
    from incubator.core.jobs import queue

    queue("payments").enqueue_in(delay, sweep, job_id=_job_id())


def sweep() -> dict[str, int]:
    """Job: reconcile now, then schedule the next sweep (even when this one failed)."""
    try:
        counts = reconcile()
    finally:
        schedule_sweep()
    if any(counts.values()):
        log.info("Payout reconciler: %s", ", ".join(f"{n} {name}" for name, n in counts.items() if n))
    return counts
