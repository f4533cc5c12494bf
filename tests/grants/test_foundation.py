"""The grants foundation: the transition tables over every pair, and what the database itself refuses."""
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, DatabaseError

from incubator.core.errors import InvalidTransition
from incubator.extensions import db
from incubator.grants import lifecycle, states
from incubator.grants.models import LedgerEntry
from incubator.grants.states import GrantStatus, LedgerKind, TrancheStatus

GRANT_ALLOWED = {("offered", "accepted"), ("offered", "declined"), ("offered", "expired"), ("offered", "withdrawn"),
                 ("accepted", "closed")}
TRANCHE_ALLOWED = {("scheduled", "due"), ("due", "requested"), ("requested", "approved"), ("approved", "processing"),
                   ("processing", "paid"), ("processing", "failed"), ("failed", "approved"),
                   ("scheduled", "cancelled"), ("due", "cancelled"), ("requested", "cancelled"),
                   ("approved", "cancelled")}


@pytest.mark.parametrize("current,target", list(itertools.product(GrantStatus, GrantStatus)))
def test_every_pair_of_grant_states_is_allowed_or_refused_as_the_table_says(current, target):
    if (current.value, target.value) in GRANT_ALLOWED:
        assert states.check_grant(current, target).startswith("grants.grant.")
    else:
        with pytest.raises(InvalidTransition):
            states.check_grant(current, target)


@pytest.mark.parametrize("current,target", list(itertools.product(TrancheStatus, TrancheStatus)))
def test_every_pair_of_tranche_states_is_allowed_or_refused_as_the_table_says(current, target):
    if (current.value, target.value) in TRANCHE_ALLOWED:
        assert states.check_tranche(current, target).startswith("grants.tranche.")
    else:
        with pytest.raises(InvalidTransition):
            states.check_tranche(current, target)


def test_a_paid_or_processing_tranche_cannot_be_cancelled_and_a_failure_needs_the_explicit_retry():
    assert not TrancheStatus.processing.is_cancellable and not TrancheStatus.paid.is_cancellable
    assert states.check_tranche("failed", "approved") == "grants.tranche.retried"


def test_a_move_from_a_stale_copy_is_refused_and_nothing_changes(grants_world):
    tranche = grants_world.tranches[0]
    db.session.execute(sa.update(type(tranche)).where(type(tranche).id == tranche.id).values(version=9).execution_options(synchronize_session=False))
    with pytest.raises(lifecycle.ChangedMeanwhile):
        lifecycle.move_tranche(tranche, TrancheStatus.due, actor=grants_world.staff)
    db.session.rollback()
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.scheduled


def test_the_database_refuses_an_approver_who_requested_the_release(grants_world):
    tranche = grants_world.tranches[0]
    tranche.requested_by_id = tranche.approved_by_id = grants_world.finance.id
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("cents", [0, -100])
def test_the_database_refuses_a_tranche_or_grant_that_is_not_a_positive_amount(grants_world, cents):
    grants_world.tranches[0].amount_cents = cents
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    grants_world.grant.amount_cents = cents
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_another_currency(grants_world):
    grants_world.grant.currency = "EUR"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_ledger_is_append_only_in_the_orm_and_in_the_database(grants_world):
    tranche = grants_world.tranches[0]
    entry = LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id, tranche_id=tranche.id,
                        kind=LedgerKind.manual_payment, amount_cents=tranche.amount_cents, reference="CHK-1")
    db.session.add(entry)
    db.session.commit()
    entry.amount_cents = 1
    with pytest.raises(RuntimeError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DatabaseError):  # a bulk update does not pass through the ORM's events
        db.session.execute(sa.update(LedgerEntry).values(amount_cents=1))
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(sa.select(LedgerEntry.amount_cents)) == tranche.amount_cents
    # A second payment line for the same tranche is refused: one payment per tranche.
    db.session.add(LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id,
                               tranche_id=tranche.id, kind=LedgerKind.manual_payment,
                               amount_cents=tranche.amount_cents, reference="CHK-2"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_idempotency_key_is_the_rows_and_changes_only_with_an_explicit_retry(grants_world):
    tranche = grants_world.tranches[0]
    key = tranche.idempotency_key
    assert key == f"incubator-tranche-{tranche.id}-attempt-1" and tranche.idempotency_key == key
    tranche.payout_attempt = 2
    assert tranche.idempotency_key != key
    assert grants_world.grant.transfer_group == f"grant-{grants_world.grant.id}"
