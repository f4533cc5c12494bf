"""The Stripe gateway against the test server: what each call does, and how Stripe's errors
become `TemporaryFailure` (try again with the same key) or `Refused` (Stripe's message for
finance)."""
import pytest

from incubator.grants import gateway as gateways
from incubator.grants.gateway import AccountStatus, ManualGateway, Refused, TemporaryFailure
from incubator.grants.stripe_gateway import StripeGateway
from tests.grants import stripe_fixtures
from tests.stripe_server import DROP_AFTER, DROP_BEFORE, RATE_LIMIT, SECRET_KEY, WEBHOOK_SECRET

stripe_server = stripe_fixtures.stripe_server
stripe_app = stripe_fixtures.stripe_app
stripe_gateway = stripe_fixtures.stripe_gateway


@pytest.fixture
def account(stripe_gateway):
    return stripe_gateway.server.create_account()["id"]


def pay(gateway, account, *, key="incubator-tranche-7-attempt-1", amount=40_000_00, tranche=7):
    return gateway.transfer(amount_cents=amount, currency="USD", destination=account, idempotency_key=key,
                            transfer_group="grant-3", metadata={"tranche_id": tranche})


def test_the_portal_picks_stripe_only_when_a_secret_key_is_set(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", None)
    assert isinstance(gateways.gateway(), ManualGateway)
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    chosen = gateways.gateway()
    assert isinstance(chosen, StripeGateway) and chosen.moves_money and chosen.name == "stripe"


def test_an_account_is_made_linked_and_its_status_read(stripe_gateway):
    server = stripe_gateway.server
    account_id = stripe_gateway.create_account(email="lead@bayou.org", name="Bayou School")
    made = server.accounts[account_id]
    assert made["type"] == "express" and made["email"] == "lead@bayou.org"
    assert made["business_profile"]["name"] == "Bayou School"
    url = stripe_gateway.account_link(account_id, refresh_url="https://p/refresh", return_url="https://p/return")
    assert url.startswith(server.url)
    assert stripe_gateway.account_status(account_id) == AccountStatus(account_id, False, False)
    server.update_account(account_id, payouts_enabled=True, details_submitted=True)
    assert stripe_gateway.account_status(account_id) == AccountStatus(account_id, True, True)
    with pytest.raises(Refused):
        stripe_gateway.account_status("acct_gone")


def test_a_transfer_carries_the_key_group_and_tranche(stripe_gateway, account):
    transfer = pay(stripe_gateway, account)
    assert transfer.id.startswith("tr_") and transfer.amount_cents == 40_000_00 and transfer.currency == "usd"
    assert transfer.destination == account and transfer.transfer_group == "grant-3" and transfer.tranche_id == 7
    seen = [s for s in stripe_gateway.server.requests if s.endpoint == "transfers.create"]
    assert [s.idempotency_key for s in seen] == ["incubator-tranche-7-attempt-1"]
    assert stripe_gateway.retrieve_transfer(transfer.id) == transfer
    with pytest.raises(ValueError):
        pay(stripe_gateway, account, key="")


def test_transfers_in_a_group_are_read_over_every_page(stripe_gateway, account):
    made = {pay(stripe_gateway, account, key=f"k{n}", amount=100 + n, tranche=n).id for n in range(105)}
    listed = stripe_gateway.transfers_in_group("grant-3")
    assert {t.id for t in listed} == made and len(listed) == 105
    assert stripe_gateway.server.count("transfers.list") == 2
    assert stripe_gateway.transfers_in_group("grant-404") == []


@pytest.mark.parametrize("fault", [DROP_BEFORE, DROP_AFTER, 500, 409, 429])
def test_a_fault_the_sdk_retries_away_pays_once(stripe_gateway, account, fault):
    stripe_gateway.server.fault("transfers.create", fault)
    transfer = pay(stripe_gateway, account)
    assert [t["id"] for t in stripe_gateway.server.transfers_for(7)] == [transfer.id]


@pytest.mark.parametrize("faults", [(DROP_BEFORE,) * 3, (DROP_AFTER,) * 3, (500, 503, 500), (409,) * 3,
                                    (429,) * 3, (RATE_LIMIT,)])
def test_a_fault_outlasting_the_retries_is_a_temporary_failure(stripe_gateway, account, faults):
    server = stripe_gateway.server
    server.fault("transfers.create", *faults)
    with pytest.raises(TemporaryFailure) as failed:
        pay(stripe_gateway, account)
    assert failed.value.message
    # The next attempt with the same key pays once, whatever happened before.
    transfer = pay(stripe_gateway, account)
    assert [t["id"] for t in server.transfers_for(7)] == [transfer.id]
    assert server.total_transferred == 40_000_00


def test_an_insufficient_balance_is_refused_with_stripes_message(stripe_gateway, account):
    stripe_gateway.server.balance_cents = 100
    with pytest.raises(Refused) as refused:
        pay(stripe_gateway, account)
    assert "insufficient available funds" in refused.value.message
    assert stripe_gateway.server.transfers == {}


def test_a_key_reused_with_other_parameters_is_refused(stripe_gateway, account):
    pay(stripe_gateway, account)
    with pytest.raises(Refused) as refused:
        pay(stripe_gateway, account, amount=1)
    assert "same parameters" in refused.value.message
    assert len(stripe_gateway.server.transfers) == 1


def test_a_destination_that_cannot_take_transfers_is_refused(stripe_gateway):
    unready = stripe_gateway.server.create_account(ready=False)["id"]
    with pytest.raises(Refused) as refused:
        pay(stripe_gateway, unready)
    assert "capabilities" in refused.value.message


def test_a_wrong_secret_key_is_refused(stripe_server):
    wrong = StripeGateway("sk_test_wrong", api_base=stripe_server.url)
    with pytest.raises(Refused):
        wrong.retrieve_transfer("tr_1")


def test_an_unreachable_stripe_is_a_temporary_failure(stripe_server):
    url = stripe_server.url
    stripe_server.stop()
    with pytest.raises(TemporaryFailure):
        StripeGateway(SECRET_KEY, api_base=url).transfer(
            amount_cents=1, currency="usd", destination="acct_1", idempotency_key="k", transfer_group="g",
            metadata={})


def test_events_are_verified_and_their_objects_re_read(stripe_gateway, account):
    server = stripe_gateway.server
    transfer = pay(stripe_gateway, account)
    event = server.events_of("transfer.created")[0]
    body, headers = server.signed(event)
    assert stripe_gateway.construct_event(body, headers["Stripe-Signature"])["id"] == event["id"]
    assert stripe_gateway.retrieve_event_object(event) == transfer
    status = stripe_gateway.retrieve_event_object(server.update_account(account, payouts_enabled=False))
    assert status == AccountStatus(account, False, True)
    other = server.make_event("payout.paid", {"id": "po_1", "object": "payout"})
    assert stripe_gateway.retrieve_event_object(other)["id"] == other["id"]


@pytest.mark.parametrize("spoil", ["missing", "other secret", "tampered", "expired"])
def test_a_bad_signature_is_refused(stripe_gateway, account, spoil):
    server = stripe_gateway.server
    pay(stripe_gateway, account)
    event = server.events_of("transfer.created")[0]
    if spoil == "other secret":
        body, headers = server.signed(event, secret="whsec_someone_else")
    elif spoil == "expired":
        body, headers = server.signed(event, timestamp=server._now() - 3600)
    else:
        body, headers = server.signed(event)
    if spoil == "tampered":
        body = body.replace(b'"amount": 4000000', b'"amount": 9000000')
    signature = "" if spoil == "missing" else headers["Stripe-Signature"]
    with pytest.raises(Refused):
        stripe_gateway.construct_event(body, signature)


def test_without_a_webhook_secret_nothing_is_verified(stripe_server):
    with pytest.raises(Refused):
        StripeGateway(SECRET_KEY, api_base=stripe_server.url).construct_event(b"{}", "t=1,v1=00")
    assert WEBHOOK_SECRET
