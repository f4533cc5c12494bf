"""The Stripe-compatible test server, driven only through the real `stripe` SDK: what it answers,
Stripe's idempotency semantics, the scripted faults, and that the SDK's retries (the same key
every time) replay rather than pay again."""
import threading

import pytest
import stripe

from tests.grants import stripe_fixtures
from tests.stripe_server import (DROP_AFTER, DROP_BEFORE, RATE_LIMIT, SECRET_KEY, Delay, decode_form,
                                 sign)

stripe_server = stripe_fixtures.stripe_server


@pytest.fixture
def sdk(stripe_server):
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url}, max_network_retries=2)


@pytest.fixture
def account(stripe_server):
    return stripe_server.create_account(email="lead@bayou.org", name="Bayou School")["id"]


def pay(sdk, account, *, key="key-1", amount=40_000_00, tranche=7, group="grant-1"):
    return sdk.v1.transfers.create(
        params={"amount": amount, "currency": "usd", "destination": account, "transfer_group": group,
                "metadata": {"tranche_id": str(tranche)}},
        options={"idempotency_key": key})


def test_the_form_decoder_reads_nested_and_listed_parameters():
    assert decode_form("metadata[tranche_id]=7&expand[0]=a&expand[1]=b&amount=5") == {
        "metadata": {"tranche_id": "7"}, "expand": ["a", "b"], "amount": "5"}


def test_an_express_account_is_made_read_and_linked(stripe_server, sdk):
    made = sdk.v1.accounts.create(params={"type": "express", "email": "a@b.org",
                                          "business_profile": {"name": "Bayou"}})
    assert made.id.startswith("acct_") and made.type == "express" and not made.payouts_enabled
    assert sdk.v1.accounts.retrieve(made.id).business_profile.name == "Bayou"
    link = sdk.v1.account_links.create(params={"account": made.id, "type": "account_onboarding",
                                               "refresh_url": "https://portal/refresh",
                                               "return_url": "https://portal/return"})
    assert link.object == "account_link" and link.url.startswith(stripe_server.url)
    event = stripe_server.update_account(made.id, payouts_enabled=True, details_submitted=True)
    assert event["type"] == "account.updated" and event["data"]["object"]["payouts_enabled"] is True
    assert sdk.v1.accounts.retrieve(made.id).payouts_enabled is True
    with pytest.raises(stripe.PermissionError):
        sdk.v1.accounts.retrieve("acct_nobody")


def test_a_transfer_debits_the_balance_and_is_read_back_and_listed_by_group(stripe_server, sdk, account):
    before = sdk.v1.balance.retrieve().available[0].amount
    transfer = pay(sdk, account)
    assert transfer.id.startswith("tr_") and transfer.object == "transfer"
    assert (transfer.amount, transfer.currency, transfer.destination) == (40_000_00, "usd", account)
    assert transfer.transfer_group == "grant-1" and transfer.metadata.tranche_id == "7"
    assert transfer.reversed is False and transfer.amount_reversed == 0
    assert sdk.v1.balance.retrieve().available[0].amount == before - 40_000_00
    assert sdk.v1.transfers.retrieve(transfer.id).amount == 40_000_00
    for n in range(5):
        pay(sdk, account, key=f"other-{n}", amount=100, tranche=100 + n, group="grant-2")
    page = sdk.v1.transfers.list(params={"transfer_group": "grant-2", "limit": 2})
    assert len(page.data) == 2 and page.has_more
    assert len(list(page.auto_paging_iter())) == 5
    assert [t.id for t in sdk.v1.transfers.list(params={"transfer_group": "grant-1"}).data] == [transfer.id]
    assert stripe_server.total_transferred == 40_000_00 + 500
    assert [t["id"] for t in stripe_server.transfers_for(7)] == [transfer.id]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sdk.v1.transfers.retrieve("tr_nothing")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"


def test_a_transfer_beyond_the_available_balance_is_refused_as_stripe_words_it(stripe_server, sdk, account):
    stripe_server.balance_cents = 10_000_00
    with pytest.raises(stripe.InvalidRequestError) as refused:
        pay(sdk, account, amount=10_000_01)
    assert refused.value.http_status == 400 and refused.value.code == "balance_insufficient"
    assert "insufficient available funds" in refused.value.user_message
    assert stripe_server.transfers == {} and stripe_server.balance_cents == 10_000_00


def test_a_transfer_to_an_account_that_cannot_take_transfers_is_refused(stripe_server, sdk):
    unready = stripe_server.create_account(ready=False)["id"]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        pay(sdk, unready)
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError):
        pay(sdk, "acct_nobody", key="key-2")
    assert stripe_server.transfers == {}


def test_reversals_credit_the_balance_and_make_an_event(stripe_server, sdk, account):
    transfer = pay(sdk, account, amount=1_000)
    balance = stripe_server.balance_cents
    reversal = sdk.v1.transfers.reversals.create(transfer.id, params={"amount": 400})
    assert reversal.id.startswith("trr_") and reversal.amount == 400 and reversal.transfer == transfer.id
    again = sdk.v1.transfers.retrieve(transfer.id)
    assert (again.amount_reversed, again.reversed) == (400, False)
    sdk.v1.transfers.reversals.create(transfer.id)   # the rest
    again = sdk.v1.transfers.retrieve(transfer.id)
    assert (again.amount_reversed, again.reversed) == (1_000, True)
    assert stripe_server.balance_cents == balance + 1_000
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.transfers.reversals.create(transfer.id, params={"amount": 1})
    assert len(stripe_server.events_of("transfer.reversed")) == 2


def test_events_are_read_back_and_signed_as_stripe_signs_them(stripe_server, sdk, account):
    pay(sdk, account)
    event = stripe_server.events_of("transfer.created")[0]
    assert event["id"].startswith("evt_")
    assert sdk.v1.events.retrieve(event["id"]).data.object.id == event["data"]["object"]["id"]
    body, headers = stripe_server.signed(event, timestamp=1_700_000_000)
    assert headers["Stripe-Signature"] == f"t=1700000000,v1={sign(body, stripe_server.webhook_secret, 1_700_000_000)}"
    verified = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], stripe_server.webhook_secret,
                                              tolerance=None)
    assert verified.id == event["id"]


def test_a_wrong_key_is_a_401(stripe_server):
    wrong = stripe.StripeClient("sk_test_wrong", base_addresses={"api": stripe_server.url})
    with pytest.raises(stripe.AuthenticationError):
        wrong.v1.balance.retrieve()


# -- idempotency ---------------------------------------------------------------------------------

def test_the_same_key_replays_the_first_answer_and_pays_once(stripe_server, sdk, account):
    first = pay(sdk, account)
    second = pay(sdk, account)
    assert second.id == first.id and len(stripe_server.transfers) == 1
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert stripe_server.count("transfers.create", "replayed") == 1


def test_the_same_key_with_other_parameters_is_an_idempotency_error(stripe_server, sdk, account):
    pay(sdk, account)
    with pytest.raises(stripe.IdempotencyError) as error:
        pay(sdk, account, amount=40_000_01)
    assert error.value.http_status == 400 and "same parameters" in error.value.user_message
    assert len(stripe_server.transfers) == 1


def test_a_refusal_is_replayed_for_its_key_too(stripe_server, sdk, account):
    stripe_server.balance_cents = 100
    with pytest.raises(stripe.InvalidRequestError):
        pay(sdk, account)
    stripe_server.balance_cents = 10**9
    with pytest.raises(stripe.InvalidRequestError) as again:
        pay(sdk, account)
    assert again.value.code == "balance_insufficient" and stripe_server.transfers == {}
    assert pay(sdk, account, key="key-2").amount == 40_000_00   # a new attempt is a new key


def test_a_key_still_executing_gets_a_409(stripe_server, account):
    once = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url}, max_network_retries=0)
    stripe_server.fault("transfers.create", Delay(0.5))
    results = {}

    def slow():
        results["slow"] = pay(once, account)

    thread = threading.Thread(target=slow)
    thread.start()
    for _ in range(500):
        if stripe_server._executing:
            break
        threading.Event().wait(0.002)
    with pytest.raises(stripe.APIError) as conflict:
        pay(once, account)
    thread.join()
    assert conflict.value.http_status == 409
    assert results["slow"].id and len(stripe_server.transfers) == 1


# -- faults and the SDK's retries ----------------------------------------------------------------

@pytest.mark.parametrize("fault", [DROP_BEFORE, DROP_AFTER, 500, 409, 429])
def test_the_sdk_retries_a_fault_with_the_same_key_and_pays_once(stripe_server, sdk, account, fault):
    stripe_server.fault("transfers.create", fault)
    transfer = pay(sdk, account)
    assert len(stripe_server.transfers) == 1 and stripe_server.transfers_for(7)[0]["id"] == transfer.id
    attempts = [seen for seen in stripe_server.requests if seen.endpoint == "transfers.create"]
    assert len(attempts) == 2 and {seen.idempotency_key for seen in attempts} == {"key-1"}
    assert attempts[1].outcome == ("replayed" if fault == DROP_AFTER else "ok")
    assert stripe_server.total_transferred == 40_000_00


def test_faults_outlasting_the_retries_reach_the_caller_and_are_consumed_in_order(stripe_server, sdk, account):
    stripe_server.fault("transfers.create", DROP_BEFORE, 503, 500)
    with pytest.raises(stripe.APIError):
        pay(sdk, account)
    assert stripe_server.transfers == {} and stripe_server.pending_faults("transfers.create") == []
    assert [s.outcome for s in stripe_server.requests if s.endpoint == "transfers.create"] == [
        DROP_BEFORE, "503", "500"]
    assert pay(sdk, account).amount == 40_000_00


def test_a_plain_rate_limit_is_not_retried_by_the_sdk(stripe_server, sdk, account):
    stripe_server.fault("transfers.create", RATE_LIMIT)
    with pytest.raises(stripe.RateLimitError):
        pay(sdk, account)
    assert stripe_server.count("transfers.create") == 1 and stripe_server.transfers == {}


def test_a_dropped_connection_after_the_commit_left_the_transfer_for_the_next_attempt(stripe_server, account):
    once = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url}, max_network_retries=0)
    stripe_server.fault("transfers.create", DROP_AFTER)
    with pytest.raises(stripe.APIConnectionError):
        pay(once, account)
    assert len(stripe_server.transfers) == 1   # it happened; the client does not know
    replayed = pay(once, account)
    assert replayed.id == next(iter(stripe_server.transfers)) and len(stripe_server.transfers) == 1


def test_a_fault_is_only_for_its_endpoint(stripe_server, sdk, account):
    with pytest.raises(KeyError):
        stripe_server.fault("charges.create", 500)
    stripe_server.fault("transfers.list", 500, 500, 500)
    assert pay(sdk, account).amount == 40_000_00
    assert stripe_server.pending_faults("transfers.list") == [500, 500, 500]
