"""Fakes of the payouts area's services the finance area calls (used only while they are still
stubs on this branch; once merged the real ones run): `payouts.queue_payout`, `payouts.retry`
and `ledger.record_manual`, coded against their docstring contracts."""
import pytest

from incubator.extensions import db
from incubator.grants import ledger, lifecycle, payouts
from incubator.grants.models import LedgerEntry
from incubator.grants.states import LedgerKind, TrancheStatus


@pytest.fixture
def queued(monkeypatch):
    """The tranche ids `payouts.queue_payout` was called with (the real one queues a job after
    commit; the fake only records the call)."""
    calls = []
    if not hasattr(payouts, "queue_payout"):
        monkeypatch.setattr(payouts, "queue_payout", lambda tranche: calls.append(tranche.id), raising=False)
    else:
        real = payouts.queue_payout

        def spy(tranche):
            calls.append(tranche.id)
            return real(tranche)

        monkeypatch.setattr(payouts, "queue_payout", spy)
    return calls


@pytest.fixture(autouse=True)
def payouts_contract(monkeypatch):
    if not hasattr(ledger, "record_manual"):
        def record_manual(tranche, *, reference, actor, now):
            entry = LedgerEntry(organisation_id=tranche.grant.organisation_id, grant_id=tranche.grant_id,
                                tranche_id=tranche.id, kind=LedgerKind.manual_payment,
                                amount_cents=tranche.amount_cents, reference=reference,
                                approved_by_id=tranche.approved_by_id, recorded_by_id=actor.id, created_at=now)
            db.session.add(entry)
            db.session.flush()
            return entry

        monkeypatch.setattr(ledger, "record_manual", record_manual, raising=False)
    if not hasattr(payouts, "retry"):
        def retry(tranche, *, actor, now):
            lifecycle.move_tranche(tranche, TrancheStatus.approved, actor=actor,
                                   payout_attempt=tranche.payout_attempt + 1, failed_at=None, failure_message="")
            payouts.queue_payout(tranche)

        monkeypatch.setattr(payouts, "retry", retry, raising=False)
    if not hasattr(payouts, "queue_payout"):
        monkeypatch.setattr(payouts, "queue_payout", lambda tranche: None, raising=False)


def accept(world):
    """`world.accept()`, with the team's lead and the tranches loaded first: the fixture reads
    `self.lead` after setting the grant accepted, and that lazy load autoflushes a grant that
    has no acceptance record yet (the database's CHECK refuses it)."""
    world.lead, list(world.grant.tranches)
    with db.session.no_autoflush:
        return world.accept()


def put(world, tranche, status, **values):
    """`world.put(...)` without autoflush (its lazy loads would flush a half-set tranche)."""
    db.session.refresh(tranche)
    with db.session.no_autoflush:
        return world.put(tranche, status, **values)
