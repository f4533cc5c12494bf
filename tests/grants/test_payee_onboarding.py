"""Payees: the grantee's lead connects a Stripe account (a fake gateway), the webhook's update,
the manual gateway's wording, and finance's manual payee (a money action)."""
import pytest
import sqlalchemy as sa

from incubator.accounts import two_factor
from incubator.core.audit import AuditEvent
from incubator.core.errors import ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import payees
from incubator.grants.gateway import AccountStatus, TemporaryFailure
from incubator.grants.models import LedgerEntry, Payee
from incubator.grants.states import LedgerKind, PayeeKind, TrancheStatus
from tests.grants.payee_fakes import install_fake_gateway


@pytest.fixture
def fake_gateway(monkeypatch):
    return install_fake_gateway(monkeypatch)


def url(world, suffix=""):
    return f"/grants/{world.grant.id}/payee{suffix}"


def test_the_lead_connects_a_bank_account_through_stripe(make_client, grants_world, fake_gateway):
    client = make_client(grants_world.lead)
    page = client.get(url(grants_world))
    assert page.status_code == 200 and "No payee yet" in page.text
    assert "Connect a bank account through Stripe" in page.text
    response = client.post(url(grants_world))
    assert response.status_code == 302 and response.location.startswith("https://connect.stripe.test/setup/acct_fake1")
    account, refresh_url, return_url = fake_gateway.links[0]
    assert refresh_url.startswith("http") and refresh_url.endswith(url(grants_world, "/refresh"))
    assert return_url.endswith(url(grants_world, "/return"))
    payee = payees.current_payee(grants_world.grant)
    assert payee.kind is PayeeKind.stripe and payee.stripe_account_id == account and not payee.payouts_enabled
    assert "Details pending" in client.get(url(grants_world)).text
    # Back from Stripe before finishing: what is left.
    back = client.get(url(grants_world, "/return"))
    assert back.status_code == 200 and "still needs some details" in back.text
    # A new link reuses the same account.
    again = client.get(url(grants_world, "/refresh"))
    assert again.status_code == 302 and "acct_fake1" in again.location and len(fake_gateway.accounts) == 1
    assert client.post(url(grants_world)).status_code == 302 and len(fake_gateway.accounts) == 1
    fake_gateway.finish(account)
    done = client.get(url(grants_world, "/return"))
    assert "payouts are enabled" in done.text
    db.session.expire_all()
    payee = payees.current_payee(grants_world.grant)
    assert payee.payouts_enabled and payee.details_submitted and payee.status_checked_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "grants.payee.changed")) == 1


def test_stripe_unreachable_says_so_and_saves_nothing(make_client, grants_world, fake_gateway):
    fake_gateway.fail_next = TemporaryFailure("Connection reset.")
    response = make_client(grants_world.lead).post(url(grants_world))
    assert response.status_code == 502 and "Try again" in response.text
    assert payees.current_payee(grants_world.grant) is None


def test_with_the_manual_gateway_the_page_says_payments_are_made_outside(make_client, grants_world):
    client = make_client(grants_world.lead)
    page = client.get(url(grants_world))
    assert "payments are made outside the portal" in page.text and "through Stripe</button>" not in page.text
    response = client.post(url(grants_world))
    assert response.status_code == 409 and "payments are made outside the portal" in response.text
    assert payees.current_payee(grants_world.grant) is None


def test_the_webhook_update_keeps_the_current_payee_current(grants_world):
    payee = grants_world.payee(PayeeKind.stripe, account_id="acct_123", payouts_enabled=False)
    updated = payees.update_from_account(AccountStatus("acct_123", True, True))
    assert updated.id == payee.id and updated.payouts_enabled and updated.status_checked_at is not None
    assert payees.update_from_account(AccountStatus("acct_unknown", True, True)) is None
    # A replaced row is history: an update for its account changes nothing.
    payee.replaced_at = utcnow()
    db.session.commit()
    assert payees.update_from_account(AccountStatus("acct_123", False, False)) is None


@pytest.mark.parametrize("who", ["member", "staff", "finance"])
def test_only_the_lead_connects(make_client, grants_world, fake_gateway, who):
    client = make_client(getattr(grants_world, who))
    assert client.get(url(grants_world)).status_code == 200
    assert "Connect a bank account through Stripe" not in client.get(url(grants_world)).text
    assert client.post(url(grants_world)).status_code == 404
    assert client.get(url(grants_world, "/return")).status_code == 404
    assert client.get(url(grants_world, "/refresh")).status_code == 404
    assert not fake_gateway.accounts


@pytest.mark.parametrize("who", ["signed out", "outsider", "other lead"])
def test_others_get_404_on_every_payee_page(make_client, make_user, grants_world, make_grants_world, org, who):
    if who == "signed out":
        client = make_client()
    elif who == "outsider":
        client = make_client(make_user("nobody-p@example.org"))
    else:
        client = make_client(make_grants_world(org, grants_world.staff, grants_world.finance).lead)
    for suffix in ("", "/return", "/refresh", "/manual"):
        assert client.get(url(grants_world, suffix)).status_code == 404, suffix
    assert client.post(url(grants_world, "/manual"), data={"name": "Mallory"}).status_code == 404


# ---- finance's manual payee ---------------------------------------------------------------------


def test_finance_records_a_manual_payee_and_a_change_keeps_the_old_row(make_client, grants_world):
    client = make_client(grants_world.finance)
    page = client.get(url(grants_world, "/manual"))
    assert page.status_code == 200 and "Payee name" in page.text and "data-confirm" in page.text
    response = client.post(url(grants_world, "/manual"),
                           data={"name": "Bayou School Inc.", "instructions": "Cheque to the <b>office</b>."})
    assert response.status_code == 302
    first = payees.current_payee(grants_world.grant)
    assert first.kind is PayeeKind.manual and first.name == "Bayou School Inc." and first.created_by_id == \
        grants_world.finance.id
    shown = client.get(url(grants_world, "/manual")).text
    assert "Bayou School Inc." in shown and "&lt;b&gt;office" in shown
    # The ledger names the first payee: a change makes a new row and leaves that one as it was.
    tranche = grants_world.tranches[0]
    tranche.paid_at, tranche.manual_reference = utcnow(), "CHK-1"
    tranche.status = TrancheStatus.paid
    db.session.add(LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id,
                               tranche_id=tranche.id, payee_id=first.id, kind=LedgerKind.manual_payment,
                               amount_cents=tranche.amount_cents, reference="CHK-1"))
    db.session.commit()
    client.post(url(grants_world, "/manual"), data={"name": "Bayou Foundation", "instructions": ""})
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(Payee).order_by(Payee.id)))
    assert [r.name for r in rows] == ["Bayou School Inc.", "Bayou Foundation"]
    assert rows[0].replaced_at is not None and rows[1].replaced_at is None
    assert rows[0].instructions == "Cheque to the <b>office</b>."
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "grants.payee.changed")
                                     .order_by(AuditEvent.id)))
    assert events[-1].details["from"] == "manual: Bayou School Inc." and events[-1].details["to"] == \
        "manual: Bayou Foundation"
    # The same payee again changes nothing.
    client.post(url(grants_world, "/manual"), data={"name": "Bayou Foundation", "instructions": ""})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payee)) == 2


def test_a_stripe_payee_replaced_by_a_manual_one_and_back(make_client, grants_world, fake_gateway):
    stripe = grants_world.payee(PayeeKind.stripe, account_id="acct_old")
    payees.set_manual(grants_world.grant, name="Cheque payee", instructions="", actor=grants_world.finance,
                      now=utcnow())
    db.session.commit()
    assert payees.current_payee(grants_world.grant).kind is PayeeKind.manual
    db.session.refresh(stripe)
    assert stripe.replaced_at is not None and stripe.stripe_account_id == "acct_old"
    assert make_client(grants_world.lead).post(url(grants_world)).status_code == 302
    current = payees.current_payee(grants_world.grant)
    assert current.kind is PayeeKind.stripe and current.stripe_account_id == "acct_fake1"


def test_a_manual_payee_needs_a_recent_second_factor(make_client, grants_world, monkeypatch):
    client = make_client(grants_world.finance)
    monkeypatch.setattr(two_factor, "is_recent", lambda user: False)
    response = client.post(url(grants_world, "/manual"), data={"name": "Mallory Holdings"},
                           headers={"Referer": "http://localhost" + url(grants_world, "/manual")})
    assert response.status_code == 302 and "two-factor" in response.location
    assert client.get(url(grants_world, "/manual")).status_code == 302
    assert payees.current_payee(grants_world.grant) is None


def test_program_staff_and_the_lead_cannot_record_a_manual_payee(make_client, grants_world):
    for user in (grants_world.staff, grants_world.lead):
        client = make_client(user)
        assert client.get(url(grants_world, "/manual")).status_code == 404
        assert client.post(url(grants_world, "/manual"), data={"name": "Mallory"}).status_code == 404
    assert payees.current_payee(grants_world.grant) is None


@pytest.mark.parametrize("data,message", [
    ({"name": ""}, "Give the payee"),
    ({"name": "x" * 10_000}, "at most 200"),
    ({"name": "Bad\x00Name"}, "not allowed"),
    ({"name": "Line\nbreak"}, "one line"),
    ({"name": "Fine", "instructions": "y" * 5_000}, "at most 1,000"),
    ({"name": "Fine", "instructions": "abc\u202edef"}, "direction overrides"),
])
def test_hostile_manual_payees_are_refused(make_client, grants_world, data, message):
    response = make_client(grants_world.finance).post(url(grants_world, "/manual"), data=data)
    assert response.status_code == 422 and message in response.text and "error-summary" in response.text
    assert payees.current_payee(grants_world.grant) is None


def test_the_service_refuses_what_the_form_would(grants_world):
    for name, instructions in (("", ""), ("x" * 201, ""), ("ok", "z" * 1001), ("a\x07b", "")):
        with pytest.raises(ValidationFailed):
            payees.set_manual(grants_world.grant, name=name, instructions=instructions,
                              actor=grants_world.finance, now=utcnow())
    db.session.rollback()
