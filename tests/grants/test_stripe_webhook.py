"""Stripe's webhook, delivered to POST /grants/stripe/webhook as Stripe would (signed, no session,
no CSRF token), with the test server behind the gateway: signatures, each event once, objects
re-read from the API (a payload that lies, events out of order), and each effect."""
import json
import logging

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.grants import payouts, webhooks
from incubator.grants.lifecycle import ChangedMeanwhile
from incubator.grants.models import LedgerEntry, StripeEvent, Tranche
from incubator.grants.states import LedgerKind, PayeeKind, TrancheStatus
from tests.grants import stripe_fakes, stripe_fixtures

stripe_server = stripe_fixtures.stripe_server
stripe_app = stripe_fixtures.stripe_app
stripe_gateway = stripe_fixtures.stripe_gateway
contract_fakes = stripe_fakes.contract_fakes

URL = "/grants/stripe/webhook"


@pytest.fixture
def world(grants_world, stripe_gateway, contract_fakes):
    """The grant accepted, its grantee's Stripe account ready, the first tranche being paid."""
    server = stripe_gateway.server
    grants_world.lead  # loaded first: accept() reads it after setting the status, and its autoflush trips the check
    grants_world.accept()
    account = server.create_account(email=grants_world.lead.email, name="Bayou School")["id"]
    grants_world.payee(PayeeKind.stripe, account_id=account, payouts_enabled=False)
    grants_world.account, grants_world.server, grants_world.gateway = account, server, stripe_gateway
    grants_world.first = grants_world.tranches[0]
    grants_world.put(grants_world.first, TrancheStatus.processing)
    return grants_world


def deliver(client, server, event, **signing):
    body, headers = server.signed(event, **signing)
    return client.post(URL, data=body, headers=headers)


def pay(world, tranche=None, *, key=None, amount=None, group=None):
    tranche = tranche or world.first
    return world.gateway.transfer(
        amount_cents=amount or tranche.amount_cents, currency="usd", destination=world.account,
        idempotency_key=key or tranche.idempotency_key, transfer_group=group or world.grant.transfer_group,
        metadata={"tranche_id": tranche.id})


def fresh(tranche) -> Tranche:
    db.session.expire_all()
    return db.session.get(Tranche, tranche.id)


def ledger_lines(tranche):
    return db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.tranche_id == tranche.id)
                              .order_by(LedgerEntry.id)).all()


def stored_events() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent))


# -- signatures ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spoil", ["missing", "other secret", "tampered", "expired", "not json"])
def test_a_delivery_without_a_good_signature_is_refused_and_changes_nothing(client, world, spoil, caplog):
    transfer = pay(world)
    event = world.server.events_of("transfer.created")[0]
    if spoil == "other secret":
        body, headers = world.server.signed(event, secret="whsec_attacker")
    elif spoil == "expired":
        body, headers = world.server.signed(event, timestamp=world.server._now() - 600)
    elif spoil == "not json":
        body, headers = world.server.signed(b"<script>alert(1)</script>\x00")
    else:
        body, headers = world.server.signed(event)
    if spoil == "tampered":
        body = body.replace(transfer.id.encode(), b"tr_forged")
    if spoil == "missing":
        headers.pop("Stripe-Signature")
    with caplog.at_level(logging.WARNING):
        response = client.post(URL, data=body, headers=headers)
    assert response.status_code == 400
    assert "Stripe webhook refused" in caplog.text
    assert stored_events() == 0
    tranche = fresh(world.first)
    assert tranche.status is TrancheStatus.processing and tranche.transfer_id is None
    assert ledger_lines(tranche) == []


def test_a_portal_without_stripe_refuses_deliveries(client, grants_world, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", None)
    response = client.post(URL, data=b'{"id": "evt_1"}', headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 400 and stored_events() == 0


def test_an_oversized_payload_is_refused(client, world):
    response = client.post(URL, data=b"x" * (600 * 1024), headers={"Stripe-Signature": "t=1,v1=00"})
    assert response.status_code == 413 and stored_events() == 0


def test_the_webhook_needs_no_session_and_sets_none(client, world):
    pay(world)
    response = deliver(client, world.server, world.server.events_of("transfer.created")[0])
    assert response.status_code == 200 and response.json["received"] is True
    assert "Set-Cookie" not in response.headers


# -- transfers -------------------------------------------------------------------------------------

def test_transfer_created_settles_a_tranche_being_paid_once(client, world):
    transfer = pay(world)
    event = world.server.events_of("transfer.created")[0]
    assert deliver(client, world.server, event).json["outcome"] == "handled"
    tranche = fresh(world.first)
    assert tranche.status is TrancheStatus.paid and tranche.transfer_id == transfer.id
    assert [(line.kind, line.amount_cents, line.transfer_id) for line in ledger_lines(tranche)] == [
        (LedgerKind.transfer, 40_000_00, transfer.id)]
    # The same event again, and a later transfer.updated about the same transfer: no effect.
    assert deliver(client, world.server, event).json["outcome"] == "duplicate"
    updated = world.server.make_event("transfer.updated", world.server.transfers[transfer.id])
    assert deliver(client, world.server, updated).status_code == 200
    assert len(ledger_lines(fresh(world.first))) == 1 and stored_events() == 2
    assert len(world.server.transfers_for(world.first.id)) == 1


def test_a_payload_that_lies_is_overruled_by_the_api(client, world):
    """The payload says the transfer is for the second tranche; the API says the first."""
    transfer = pay(world)
    second = world.tranches[1]
    world.put(second, TrancheStatus.processing)
    event = world.server.events_of("transfer.created")[0]
    event["data"]["object"]["metadata"]["tranche_id"] = str(second.id)
    event["data"]["object"]["amount"] = second.amount_cents
    assert deliver(client, world.server, event).status_code == 200
    assert fresh(world.first).transfer_id == transfer.id
    assert fresh(second).status is TrancheStatus.processing and fresh(second).transfer_id is None


def test_a_made_up_transfer_changes_nothing(client, world):
    event = world.server.make_event("transfer.created", {
        "id": "tr_made_up", "object": "transfer", "amount": world.first.amount_cents, "currency": "usd",
        "metadata": {"tranche_id": str(world.first.id)}, "transfer_group": world.grant.transfer_group})
    response = deliver(client, world.server, event)
    assert response.status_code == 503 and stored_events() == 0   # Stripe would say: no such transfer
    assert fresh(world.first).status is TrancheStatus.processing


def test_a_transfer_for_another_amount_is_flagged_not_settled(client, world):
    transfer = pay(world, amount=world.first.amount_cents + 1)
    deliver(client, world.server, world.server.events_of("transfer.created")[0])
    tranche = fresh(world.first)
    assert tranche.status is TrancheStatus.processing and tranche.transfer_id is None
    assert transfer.id in tranche.needs_attention and ledger_lines(tranche) == []


def test_a_second_transfer_for_a_paid_tranche_is_flagged(client, world):
    first = pay(world)
    deliver(client, world.server, world.server.events_of("transfer.created")[0])
    second = pay(world, key="someone-else's-key")
    event = [e for e in world.server.events_of("transfer.created") if e["data"]["object"]["id"] == second.id][0]
    deliver(client, world.server, event)
    tranche = fresh(world.first)
    assert tranche.transfer_id == first.id and second.id in tranche.needs_attention
    assert len(ledger_lines(tranche)) == 1


def test_a_transfer_naming_no_tranche_of_ours_is_stored_without_effect(client, world):
    world.gateway.transfer(amount_cents=500, currency="usd", destination=world.account, idempotency_key="other",
                           transfer_group="grant-999999", metadata={"tranche_id": "999999"})
    assert deliver(client, world.server, world.server.events_of("transfer.created")[0]).status_code == 200
    assert stored_events() == 1 and fresh(world.first).status is TrancheStatus.processing


def test_a_tranche_not_being_paid_is_not_settled_by_a_transfer(client, world):
    world.put(world.first, TrancheStatus.approved)   # e.g. the job has not claimed it yet
    pay(world)
    deliver(client, world.server, world.server.events_of("transfer.created")[0])
    assert fresh(world.first).status is TrancheStatus.approved and ledger_lines(world.first) == []


def test_a_failure_re_reading_the_object_stores_nothing_so_stripe_delivers_again(client, world):
    pay(world)
    event = world.server.events_of("transfer.created")[0]
    world.server.fault("transfers.retrieve", 500, 500, 500)
    assert deliver(client, world.server, event).status_code == 503
    assert stored_events() == 0 and fresh(world.first).status is TrancheStatus.processing
    assert deliver(client, world.server, event).json["outcome"] == "handled"
    assert fresh(world.first).status is TrancheStatus.paid


def test_a_tranche_changed_meanwhile_rolls_back_and_asks_for_the_event_again(client, world, monkeypatch):
    pay(world)

    def changed(*args, **kwargs):
        raise ChangedMeanwhile()

    monkeypatch.setattr(payouts, "settle", changed, raising=False)
    assert deliver(client, world.server, world.server.events_of("transfer.created")[0]).status_code == 503
    assert stored_events() == 0


def test_two_deliveries_racing_have_one_effect(client, world, monkeypatch):
    """The other delivery stored the event after this one looked and before it inserted: the
    savepoint's insert fails on the primary key and nothing else happens."""
    pay(world)
    event = world.server.events_of("transfer.created")[0]
    db.session.add(StripeEvent(id=event["id"], type=event["type"], object_id="x"))
    db.session.commit()
    real_get = db.session.get

    def looked_too_early(model, ident, *args, **kwargs):
        return None if model is StripeEvent else real_get(model, ident, *args, **kwargs)

    monkeypatch.setattr(db.session, "get", looked_too_early)
    delivery = webhooks.handle_delivery(*_signed(world.server, event))
    db.session.commit()
    assert delivery.outcome == "duplicate"
    assert fresh(world.first).status is TrancheStatus.processing and ledger_lines(world.first) == []


def _signed(server, event):
    body, headers = server.signed(event)
    return body, headers["Stripe-Signature"]


# -- reversals ---------------------------------------------------------------------------------------

def test_each_reversal_is_recorded_once_whatever_order_the_events_come_in(client, world):
    transfer = pay(world)
    deliver(client, world.server, world.server.events_of("transfer.created")[0])
    first = world.server.reverse(transfer.id, 10_000_00)
    second = world.server.reverse(transfer.id, 5_000_00)
    # The newer event first: the re-read says 15,000 reversed in all.
    deliver(client, world.server, second)
    deliver(client, world.server, first)
    deliver(client, world.server, second)
    lines = ledger_lines(fresh(world.first))
    reversed_cents = -sum(line.amount_cents for line in lines if line.kind is LedgerKind.reversal)
    assert reversed_cents == 15_000_00
    assert "reversed" in fresh(world.first).needs_attention
    # A later full reversal adds only what is new.
    deliver(client, world.server, world.server.reverse(transfer.id))
    lines = ledger_lines(fresh(world.first))
    assert -sum(line.amount_cents for line in lines if line.kind is LedgerKind.reversal) == 40_000_00
    assert sum(line.amount_cents for line in lines) == 0


def test_a_reversal_arriving_before_the_transfer_event_settles_then_records(client, world):
    transfer = pay(world)
    deliver(client, world.server, world.server.reverse(transfer.id, 1_00))
    tranche = fresh(world.first)
    assert tranche.status is TrancheStatus.paid and tranche.transfer_id == transfer.id
    assert sorted(line.amount_cents for line in ledger_lines(tranche)) == [-1_00, 40_000_00]
    deliver(client, world.server, world.server.events_of("transfer.created")[0])
    assert len(ledger_lines(fresh(world.first))) == 2


# -- accounts ----------------------------------------------------------------------------------------

def current_payee(world):
    db.session.expire_all()
    return stripe_fakes._current_payee(world.first)


def test_account_updated_keeps_payouts_enabled_current(client, world):
    event = world.server.update_account(world.account, payouts_enabled=True, details_submitted=True)
    assert deliver(client, world.server, event).json["outcome"] == "handled"
    payee = current_payee(world)
    assert payee.payouts_enabled and payee.details_submitted and payee.status_checked_at is not None


def test_an_older_account_event_after_a_newer_one_leaves_it_as_stripe_says(client, world):
    enabled = world.server.update_account(world.account, payouts_enabled=True, details_submitted=True)
    paused = world.server.update_account(world.account, payouts_enabled=False)
    deliver(client, world.server, paused)
    deliver(client, world.server, enabled)   # older, delivered late
    assert current_payee(world).payouts_enabled is False


def test_an_account_payload_that_lies_is_overruled(client, world):
    world.server.update_account(world.account, payouts_enabled=False, details_submitted=False)
    lie = world.server.make_event("account.updated", {**world.server.accounts[world.account],
                                                      "payouts_enabled": True, "details_submitted": True})
    deliver(client, world.server, lie)
    assert current_payee(world).payouts_enabled is False


def test_an_account_nobody_here_uses_is_stored_without_effect(client, world):
    other = world.server.create_account(ready=False)["id"]
    event = world.server.update_account(other, payouts_enabled=True)
    assert deliver(client, world.server, event).status_code == 200
    assert stored_events() == 1 and current_payee(world).payouts_enabled is False


# -- the rest ----------------------------------------------------------------------------------------

def test_an_unknown_event_type_is_stored_without_effect(client, world):
    event = world.server.make_event("payout.paid", {"id": "po_1", "object": "payout", "amount": 5})
    response = deliver(client, world.server, event)
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert db.session.get(StripeEvent, event["id"]).type == "payout.paid"
    assert world.server.count("events.retrieve") == 0   # nothing to re-read
    assert deliver(client, world.server, event).json["outcome"] == "duplicate"


def test_a_signed_payload_without_an_event_id_is_refused(client, world):
    body = json.dumps({"object": "event", "type": "transfer.created", "data": {"object": {}}})
    assert deliver(client, world.server, body).status_code == 400 and stored_events() == 0
