"""The payout services' unhappy paths: what is checked before money moves, settling a transfer
that does not match, the explicit retry, the ledger's lines and sums, and the reconciler's
re-queueing of lost jobs (against the fake gateway of payouts_fakes)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from redis.exceptions import RedisError

from incubator.core.audit import AuditEvent
from incubator.core.errors import DomainError
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import ledger, notify, payouts, reconcile
from incubator.grants.gateway import Transfer
from incubator.grants.models import LedgerEntry
from incubator.grants.states import PayeeKind, TrancheStatus
from tests.grants.payouts_fakes import FakeGateway, fresh, install, ledger_lines, queue_and_commit, ready_to_pay


@pytest.fixture
def fake(monkeypatch, app):
    return install(monkeypatch, app, FakeGateway())


@pytest.fixture
def told(monkeypatch):
    seen = []
    monkeypatch.setattr(notify, "payout_paid", lambda tranche: seen.append(("paid", tranche.id)))
    monkeypatch.setattr(notify, "payout_failed", lambda tranche: seen.append(("failed", tranche.id)))
    return seen


def payments_queue():
    from incubator.core.jobs import queue

    return queue("payments")


# ---- before any money moves -------------------------------------------------------------------

def test_a_payee_whose_payouts_are_not_enabled_fails_with_a_clear_message(grants_world, fake, told):
    [tranche] = ready_to_pay(grants_world, payouts_enabled=False)
    assert payouts.pay_tranche(tranche.id) == "failed"
    failed = fresh(tranche)
    assert failed.status == "failed" and "cannot receive payouts yet" in failed.failure_message
    assert fake.calls == [] and told == [("failed", tranche.id)]


def test_no_payee_fails_and_says_how_to_connect_one(grants_world, fake):
    grants_world.lead
    grants_world.accept()
    tranche = grants_world.put(grants_world.tranches[0], TrancheStatus.approved)
    assert payouts.pay_tranche(tranche.id) == "failed"
    assert "no payee yet" in fresh(tranche).failure_message and fake.calls == []


def test_a_manual_payee_is_never_sent_to_the_gateway(grants_world, fake, run_jobs):
    grants_world.lead
    grants_world.accept()
    grants_world.payee(PayeeKind.manual)
    tranche = grants_world.put(grants_world.tranches[0], TrancheStatus.approved)
    queue_and_commit(tranche)
    run_jobs(["payments"])
    assert fresh(tranche).status == "approved" and fake.calls == []
    # Nor does the reconciler queue it again: finance records the outside payment.
    assert reconcile.reconcile(now=utcnow() + timedelta(hours=1))["requeued"] == 0


def test_without_stripe_configured_nothing_is_claimed(grants_world):
    """The embedded default (no STRIPE_SECRET_KEY): the manual gateway; the job leaves it approved."""
    [tranche] = ready_to_pay(grants_world)
    assert payouts.pay_tranche(tranche.id) == "manual"
    assert fresh(tranche).status == "approved"
    assert reconcile.reconcile(now=utcnow() + timedelta(hours=1)) == {
        "settled": 0, "flagged": 0, "requeued": 0, "unreachable": 0}


def test_a_payment_beyond_the_award_is_refused_with_the_figures(grants_world, fake):
    [first, second] = ready_to_pay(grants_world, positions=(1, 2))
    grants_world.grant.amount_cents = 50_000_00  # a corrupted award: the tranches add up to more
    db.session.commit()
    assert payouts.pay_tranche(second.id) == "paid"  # $30,000 of $50,000
    assert payouts.pay_tranche(first.id) == "failed"
    message = fresh(first).failure_message
    assert "$70,000" in message and "above its award of $50,000" in message
    assert len(fake.transfers) == 1 and ledger.paid_for_grant(grants_world.grant.id) == 30_000_00


def test_a_grant_no_longer_accepted_is_not_paid(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    grants_world.grant.status = "closed"
    db.session.commit()
    assert payouts.pay_tranche(tranche.id) == "failed"
    assert "only an accepted grant is paid" in fresh(tranche).failure_message and fake.calls == []


@pytest.mark.parametrize("status", ["scheduled", "due", "requested", "paid", "failed", "cancelled"])
def test_a_tranche_not_approved_is_left_alone(grants_world, fake, status):
    grants_world.lead
    grants_world.accept()
    grants_world.payee(PayeeKind.stripe, account_id="acct_x")
    with db.session.no_autoflush:  # GrantsWorld.put reads people after setting the status
        tranche = grants_world.put(grants_world.tranches[0], TrancheStatus(status))
    assert payouts.pay_tranche(tranche.id) == "nothing"
    assert payouts.pay_tranche(10**9) == "nothing"  # a tranche that does not exist
    assert fresh(tranche).status == status and fake.calls == []


def test_a_claim_older_than_stripes_key_window_is_flagged_not_resent(grants_world, fake, told):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow() - timedelta(hours=25))
    assert payouts.pay_tranche(tranche.id) == "flagged"
    assert payouts.pay_tranche(tranche.id) == "flagged"
    flagged = fresh(tranche)
    assert flagged.status == "processing" and "check Stripe before retrying" in flagged.needs_attention
    assert fake.calls == [] and told == [("failed", tranche.id)]  # told once


def test_the_claim_and_the_payment_are_audited_as_the_system(grants_world, fake, told):
    [tranche] = ready_to_pay(grants_world)
    assert payouts.pay_tranche(tranche.id) == "paid"
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("grants.tranche.%"))
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [("grants.tranche.processing", None),
                                                        ("grants.tranche.paid", None)]
    assert told == [("paid", tranche.id)]
    assert fresh(tranche).paid_at is not None


# ---- settling ---------------------------------------------------------------------------------

def _transfer(tranche, **changes):
    values = dict(id="tr_outside", amount_cents=tranche.amount_cents, currency="usd", destination="acct_bayou",
                  transfer_group=tranche.grant.transfer_group, metadata={"tranche_id": str(tranche.id)})
    values.update(changes)
    return Transfer(**values)


def test_a_transfer_of_another_amount_is_not_settled_but_flagged(grants_world, fake, told):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow())
    assert payouts.settle(tranche, _transfer(tranche, amount_cents=1)) == "flagged"
    db.session.commit()
    flagged = fresh(tranche)
    assert flagged.status == "processing" and "$0.01" in flagged.needs_attention and ledger_lines() == []


def test_settling_twice_with_the_same_transfer_does_nothing_the_second_time(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow())
    transfer = _transfer(tranche)
    assert payouts.settle(tranche, transfer) == "paid"
    db.session.commit()
    assert payouts.settle(fresh(tranche), transfer) == "already"
    # Another transfer for a paid tranche: flagged for finance, never a second ledger line.
    assert payouts.settle(fresh(tranche), _transfer(tranche, id="tr_second")) == "flagged"
    db.session.commit()
    assert len(ledger_lines()) == 1 and "tr_second" in fresh(tranche).needs_attention


# ---- the explicit retry -----------------------------------------------------------------------

def test_only_a_failed_payout_can_be_retried(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    with pytest.raises(DomainError, match="Only a payout that failed"):
        payouts.retry(tranche, actor=grants_world.finance)


def test_a_retry_settles_a_transfer_that_exists_instead_of_paying_again(grants_world, fake, run_jobs):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.failed, failure_message="The connection dropped.")
    made = fake.make_transfer(amount_cents=tranche.amount_cents, destination="acct_bayou",
                              transfer_group=grants_world.grant.transfer_group,
                              metadata={"tranche_id": str(tranche.id)})
    assert payouts.retry(fresh(tranche), actor=grants_world.finance) == "settled"
    db.session.commit()
    run_jobs(["payments"])
    paid = fresh(tranche)
    assert (paid.status, paid.transfer_id, paid.payout_attempt) == ("paid", made.id, 1)
    assert fake.calls == [] and len(ledger_lines()) == 1


def test_a_retry_when_stripe_cannot_be_reached_changes_nothing(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.failed)
    fake.unreachable = True
    with pytest.raises(DomainError, match="Nothing was retried"):
        payouts.retry(fresh(tranche), actor=grants_world.finance)
    db.session.rollback()
    assert fresh(tranche).status == "failed" and payments_queue().count == 0


def test_a_retry_of_a_flagged_processing_payout_with_no_transfer_starts_the_next_attempt(grants_world, fake,
                                                                                         run_jobs):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow() - timedelta(hours=30),
                     needs_attention=reconcile.NOTHING_FOUND)
    assert payouts.retry(fresh(tranche), actor=grants_world.finance) == "queued"
    db.session.commit()
    retried = fresh(tranche)
    assert (retried.status, retried.payout_attempt, retried.needs_attention) == ("approved", 2, "")
    run_jobs(["payments"])
    assert fresh(tranche).status == "paid" and fake.calls == [f"incubator-tranche-{tranche.id}-attempt-2"]


def test_a_retry_rolled_back_queues_nothing(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.failed)
    payouts.retry(fresh(tranche), actor=grants_world.finance)
    db.session.rollback()
    db.session.commit()
    assert payments_queue().count == 0 and fresh(tranche).status == "failed"


# ---- the ledger -------------------------------------------------------------------------------

def test_manual_payments_and_reversals_in_the_ledger(grants_world, fake):
    [first, second] = ready_to_pay(grants_world, positions=(1, 2))
    payee = payouts.current_payee(grants_world.grant)
    line = ledger.record_manual(first, "  Wire <b>2026-114</b>  ", payee=payee, actor=grants_world.finance)
    assert (line.kind, line.reference, line.recorded_by_id, line.approved_by_id) == (
        "manual_payment", "Wire <b>2026-114</b>", grants_world.finance.id, grants_world.finance.id)
    ledger.record_transfer(second, "tr_1", payee=payee)
    reversal = ledger.record_reversal(second, "tr_1", 5_000_00, payee=payee)
    assert reversal.amount_cents == -5_000_00 and reversal.kind == "reversal"
    db.session.commit()
    assert ledger.paid_for_grant(grants_world.grant.id) == 40_000_00 + 25_000_00
    assert ledger.paid_for_challenge(grants_world.challenge.id) == 65_000_00
    assert ledger.paid_by_grant([grants_world.grant.id, 10**9]) == {grants_world.grant.id: 65_000_00, 10**9: 0}
    with pytest.raises(DomainError, match="more than was paid"):
        ledger.record_reversal(second, "tr_1", 26_000_00, payee=payee)


@pytest.mark.parametrize("reference, error", [
    ("", "Type the payment"), ("   ", "Type the payment"), ("x" * 201, "at most 200"),
    ("cheque\x00 12", "control characters"), ("line\nbreak", "control characters")])
def test_hostile_manual_references_are_refused(grants_world, reference, error):
    grants_world.lead
    grants_world.accept()
    tranche = grants_world.put(grants_world.tranches[0], TrancheStatus.approved)
    with pytest.raises(DomainError, match=error):
        ledger.record_manual(tranche, reference, payee=None, actor=grants_world.finance)
    assert ledger_lines() == []


def test_the_ledger_is_append_only_and_one_payment_a_tranche(grants_world):
    [tranche] = ready_to_pay(grants_world)
    line = ledger.record_transfer(tranche, "tr_1", payee=None)
    db.session.commit()
    line.amount_cents = 1
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        ledger.record_transfer(tranche, "tr_2", payee=None)
    db.session.rollback()
    assert [entry.amount_cents for entry in db.session.scalars(sa.select(LedgerEntry))] == [40_000_00]


# ---- lost jobs and the sweep ------------------------------------------------------------------

def test_redis_down_at_commit_loses_no_payout(grants_world, fake, run_jobs, monkeypatch):
    [tranche] = ready_to_pay(grants_world)
    original = payouts.enqueue_payout

    def down(*args):
        raise RedisError("Connection refused")

    monkeypatch.setattr(payouts, "enqueue_payout", down)
    queue_and_commit(tranche)  # the approval commits; its job is lost
    monkeypatch.setattr(payouts, "enqueue_payout", original)
    assert payments_queue().count == 0
    # Within ten minutes of the approval the reconciler leaves it (its job may be on its way).
    assert reconcile.reconcile()["requeued"] == 0
    assert reconcile.reconcile(now=utcnow() + timedelta(minutes=11))["requeued"] == 1
    # A second sweep finds the job waiting and queues nothing more.
    assert reconcile.reconcile(now=utcnow() + timedelta(minutes=21))["requeued"] == 0
    run_jobs(["payments"])
    assert fresh(tranche).status == "paid" and len(fake.calls) == 1


def test_a_stuck_claim_with_no_transfer_is_queued_again_with_the_same_key(grants_world, fake, run_jobs):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow() - timedelta(minutes=7))
    assert reconcile.reconcile()["requeued"] == 1
    run_jobs(["payments"])
    assert fresh(tranche).status == "paid" and fake.calls == [tranche.idempotency_key]


def test_the_reconciler_skips_a_grant_it_cannot_list(grants_world, fake):
    [tranche] = ready_to_pay(grants_world)
    grants_world.put(tranche, TrancheStatus.processing, processing_at=utcnow() - timedelta(hours=30))
    fake.unreachable = True
    assert reconcile.reconcile()["unreachable"] == 1
    assert fresh(tranche).needs_attention == "" and fake.calls == []


def test_the_sweep_is_one_scheduled_job_that_reschedules_itself(grants_world, fake):
    reconcile.start_sweep()
    reconcile.start_sweep()
    scheduled = payments_queue().scheduled_job_registry.get_job_ids()
    assert scheduled == [reconcile._job_id()]
    assert reconcile.sweep()["settled"] == 0
    assert payments_queue().scheduled_job_registry.get_job_ids() == [reconcile._job_id()]


def test_the_ledger_finds_the_payee_when_not_given(grants_world, fake):
    """As finance's release.py and the webhook call it: no payee, `now`, a Transfer object."""
    [first, second] = ready_to_pay(grants_world, positions=(1, 2))
    payee = payouts.current_payee(grants_world.grant)
    when = utcnow() - timedelta(minutes=3)
    line = ledger.record_manual(first, "Cheque 881", actor=grants_world.finance, now=when)
    assert (line.payee_id, line.created_at) == (payee.id, when)
    ledger.record_transfer(second, "tr_9")
    reversal = ledger.record_reversal(second, _transfer(second, id="tr_9"), 1_00)
    assert (reversal.payee_id, reversal.transfer_id, reversal.amount_cents) == (payee.id, "tr_9", -1_00)


def test_a_worker_serving_payments_starts_the_reconciler(app):
    from incubator.core.jobs import start_periodic

    assert "incubator.grants.reconcile.start_sweep" in start_periodic(["payments"])
    assert "incubator.grants.reconcile.start_sweep" not in start_periodic(["mail"])
    assert reconcile._job_id() in payments_queue().scheduled_job_registry.get_job_ids()



def test_a_payee_changed_after_the_approval_is_not_paid_until_another_finance_user_retries(grants_world, fake, told):
    """Money goes where finance saw it going: a payee connected after the approval fails the payout
    with the reason, nothing is sent; finance's retry approves the next attempt to the new payee."""
    [tranche] = ready_to_pay(grants_world, account_id="acct_seen_by_finance")
    payouts.current_payee(grants_world.grant).replaced_at = utcnow()
    db.session.flush()
    grants_world.payee(PayeeKind.stripe, account_id="acct_connected_later")
    assert payouts.pay_tranche(tranche.id) == "failed"
    failed = fresh(tranche)
    assert "payee changed after this release was approved" in failed.failure_message and fake.calls == []
    with pytest.raises(DomainError, match="you cannot retry"):
        payouts.retry(failed, actor=grants_world.staff)  # the requester may not re-approve it
    db.session.rollback()
    failed = fresh(tranche)
    assert payouts.retry(failed, actor=grants_world.finance2) == "queued"
    db.session.commit()
    retried = fresh(tranche)
    assert retried.approved_by_id == grants_world.finance2.id and retried.payout_attempt == 2
    assert payouts.pay_tranche(tranche.id) == "paid"
    assert [t.destination for t in fake.transfers] == ["acct_connected_later"]
