"""Minimal stand-ins for the other areas' functions the webhook calls, installed by the
`contract_fakes` fixture ONLY where the function is still missing on this branch (once the
letter and payouts areas are merged, the webhook tests run against the real ones):

- `payees.update_from_account(status)` (letter area): the current Payee with that
  stripe_account_id gets payouts_enabled, details_submitted, status_checked_at; returns it or None;
- `payouts.settle(tranche, transfer, *, actor=None)` (payouts area): processing -> paid with the
  transfer's id, and its `transfer` ledger line;
- `ledger.record_reversal(tranche, transfer, amount_cents)` (payouts area): a `reversal` line of
  minus `amount_cents` (the positive amount newly reversed) for that transfer.
"""
import pytest
import sqlalchemy as sa

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import ledger, payees, payouts
from incubator.grants.lifecycle import move_tranche
from incubator.grants.models import LedgerEntry, Payee
from incubator.grants.states import LedgerKind, TrancheStatus


def _current_payee(tranche):
    grant = tranche.grant
    return db.session.scalar(sa.select(Payee).where(
        Payee.team_id == grant.team_id if grant.team_id else Payee.school_id == grant.school_id,
        Payee.replaced_at.is_(None)))


def fake_update_from_account(status):
    payee = db.session.scalar(sa.select(Payee).where(Payee.stripe_account_id == status.account_id,
                                                     Payee.replaced_at.is_(None)))
    if payee is not None:
        payee.payouts_enabled, payee.details_submitted = status.payouts_enabled, status.details_submitted
        payee.status_checked_at = utcnow()
        db.session.flush()
    return payee


def fake_settle(tranche, transfer, *, actor=None):
    move_tranche(tranche, TrancheStatus.paid, actor=actor, transfer_id=transfer.id, paid_at=utcnow())
    payee = _current_payee(tranche)
    db.session.add(LedgerEntry(organisation_id=tranche.grant.organisation_id, grant_id=tranche.grant_id,
                               tranche_id=tranche.id, payee_id=payee.id if payee else None,
                               kind=LedgerKind.transfer, amount_cents=transfer.amount_cents,
                               transfer_id=transfer.id, approved_by_id=tranche.approved_by_id))
    db.session.flush()


def fake_record_reversal(tranche, transfer, amount_cents):
    db.session.add(LedgerEntry(organisation_id=tranche.grant.organisation_id, grant_id=tranche.grant_id,
                               tranche_id=tranche.id, kind=LedgerKind.reversal, amount_cents=-amount_cents,
                               transfer_id=transfer.id))
    db.session.flush()


FAKES = [(payees, "update_from_account", fake_update_from_account),
         (payouts, "settle", fake_settle),
         (ledger, "record_reversal", fake_record_reversal)]


@pytest.fixture
def contract_fakes(monkeypatch):
    installed = []
    for module, name, fake in FAKES:
        if not hasattr(module, name):
            monkeypatch.setattr(module, name, fake, raising=False)
            installed.append(f"{module.__name__}.{name}")
    return installed
