"""Releasing a tranche: staff request it, a different finance user approves it (the service and
the database both refuse the requester), approval queues the payout to a Stripe payee or waits
for the recorded payment to a manual payee, cancel rules, closing a settled grant, and the
views' permissions and hostile input."""
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import release
from incubator.grants.lifecycle import ChangedMeanwhile
from incubator.grants.models import LedgerEntry, Tranche
from incubator.grants.states import GrantStatus, LedgerKind, PayeeKind, TrancheStatus
from tests.grants import finance_fakes
from tests.grants.finance_fakes import accept, put

# Fixtures of the fakes (see finance_fakes).
payouts_contract = finance_fakes.payouts_contract
queued = finance_fakes.queued


@pytest.fixture
def stripe_moves_money(monkeypatch):
    monkeypatch.setattr(release, "gateway", lambda: SimpleNamespace(name="stripe", moves_money=True))


@pytest.fixture
def requested(grants_world):
    """The grant accepted, its first tranche ($40,000) requested by program staff."""
    accept(grants_world)
    tranche = grants_world.tranches[0]
    release.request_release(tranche, actor=grants_world.staff, now=utcnow())
    db.session.commit()
    return tranche


# The services ---------------------------------------------------------------------------------

def test_staff_request_a_due_tranche_and_it_awaits_approval(grants_world):
    accept(grants_world)
    tranche = grants_world.tranches[0]
    release.request_release(tranche, actor=grants_world.staff, now=utcnow())
    db.session.commit()
    db.session.refresh(tranche)
    assert tranche.status is TrancheStatus.requested and tranche.requested_by_id == grants_world.staff.id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "grants.tranche.requested"))


def test_a_tranche_of_a_grant_not_accepted_or_not_due_cannot_be_requested(grants_world):
    tranche = grants_world.tranches[0]
    with pytest.raises(release.ReleaseRefused, match="not accepted"):
        release.request_release(tranche, actor=grants_world.staff, now=utcnow())
    db.session.rollback()
    accept(grants_world)
    with pytest.raises(release.ReleaseRefused, match="scheduled"):
        release.request_release(grants_world.tranches[1], actor=grants_world.staff, now=utcnow())


def test_finance_cannot_request_and_staff_cannot_approve(grants_world, requested):
    grants_world.payee(PayeeKind.manual)
    with pytest.raises(NotAllowed):
        release.request_release(grants_world.tranches[1], actor=grants_world.finance, now=utcnow())
    with pytest.raises(NotAllowed):
        release.approve_release(requested, actor=grants_world.staff, now=utcnow())
    db.session.rollback()
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.requested


def test_the_requester_cannot_approve_their_own_release(grants_world, grant_role):
    """A person who is both program staff and finance requests: they cannot approve it."""
    from incubator.accounts.models import Role

    both = grant_role(grants_world.finance, grants_world.org, Role.program_staff)
    accept(grants_world)
    grants_world.payee(PayeeKind.manual)
    tranche = grants_world.tranches[0]
    release.request_release(tranche, actor=both, now=utcnow())
    db.session.commit()
    with pytest.raises(release.RequesterCannotApprove, match="another finance user"):
        release.approve_release(tranche, actor=both, now=utcnow())
    db.session.rollback()
    assert db.session.get(Tranche, tranche.id).status is TrancheStatus.requested
    release.approve_release(tranche, actor=grants_world.finance2, now=utcnow())
    db.session.commit()
    assert db.session.get(Tranche, tranche.id).approved_by_id == grants_world.finance2.id


def test_the_database_refuses_the_requester_as_approver_even_past_the_service(grants_world, requested):
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Tranche).where(Tranche.id == requested.id)
                           .values(status=TrancheStatus.approved, approved_by_id=grants_world.staff.id))
        db.session.commit()
    db.session.rollback()


def test_approval_to_a_stripe_payee_queues_the_payout(grants_world, requested, queued, stripe_moves_money):
    grants_world.payee(PayeeKind.stripe, account_id="acct_123")
    assert release.approve_release(requested, actor=grants_world.finance, now=utcnow()) == "queued"
    db.session.commit()
    assert queued == [requested.id]
    tranche = db.session.get(Tranche, requested.id)
    assert tranche.status is TrancheStatus.approved and tranche.approved_by_id == grants_world.finance.id


def test_approval_to_a_manual_payee_waits_for_the_recorded_payment(grants_world, requested, queued):
    grants_world.payee(PayeeKind.manual)
    assert release.approve_release(requested, actor=grants_world.finance, now=utcnow()) == "awaiting_payment"
    db.session.commit()
    assert queued == []
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.approved


def test_approval_is_refused_without_a_payee_or_with_an_unfinished_stripe_account(grants_world, requested, queued):
    with pytest.raises(release.ReleaseRefused, match="no payee yet"):
        release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.rollback()
    grants_world.payee(PayeeKind.stripe, account_id="acct_1", payouts_enabled=False)
    with pytest.raises(release.ReleaseRefused, match="cannot receive payouts"):
        release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.rollback()
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.requested and queued == []


def test_a_manual_payment_is_recorded_paid_with_its_ledger_line(grants_world, requested):
    grants_world.payee(PayeeKind.manual)
    release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.commit()
    release.record_manual_payment(requested, reference="  Cheque 10442 ", actor=grants_world.finance2, now=utcnow())
    db.session.commit()
    tranche = db.session.get(Tranche, requested.id)
    assert tranche.status is TrancheStatus.paid and tranche.manual_reference == "Cheque 10442" and tranche.paid_at
    line = db.session.scalar(sa.select(LedgerEntry).where(LedgerEntry.tranche_id == tranche.id))
    assert (line.kind, line.amount_cents, line.reference) == (LedgerKind.manual_payment, 40_000_00, "Cheque 10442")
    assert line.approved_by_id == grants_world.finance.id and line.recorded_by_id == grants_world.finance2.id
    with pytest.raises(release.ReleaseRefused):  # paid once only
        release.record_manual_payment(tranche, reference="again", actor=grants_world.finance2, now=utcnow())
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 1


@pytest.mark.parametrize("reference,message", [("", "Enter the payment"), ("   ", "Enter the payment"),
                                               ("x" * 201, "at most 200"), ("ok\x00", "control"),
                                               ("two\nlines", "control"), ("\u202egnp.exe", "control")])
def test_a_bad_reference_is_refused_and_nothing_is_paid(grants_world, requested, reference, message):
    grants_world.payee(PayeeKind.manual)
    release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.commit()
    with pytest.raises(ValidationFailed, match=message):
        release.record_manual_payment(requested, reference=reference, actor=grants_world.finance, now=utcnow())
    db.session.rollback()
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.approved


def test_a_stripe_tranche_is_not_recorded_by_hand(grants_world, requested, stripe_moves_money):
    grants_world.payee(PayeeKind.stripe, account_id="acct_9")
    release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.commit()
    with pytest.raises(release.ReleaseRefused, match="Stripe"):
        release.record_manual_payment(requested, reference="Cheque 1", actor=grants_world.finance, now=utcnow())


@pytest.mark.parametrize("status", [TrancheStatus.scheduled, TrancheStatus.due, TrancheStatus.requested,
                                    TrancheStatus.approved])
def test_staff_or_finance_cancel_a_tranche_not_yet_processing_with_a_reason(grants_world, status):
    tranche = put(grants_world, grants_world.tranches[1], status)
    with pytest.raises(ValidationFailed, match="why"):
        release.cancel(tranche, actor=grants_world.staff, reason="  ", now=utcnow())
    release.cancel(tranche, actor=grants_world.finance, reason="The school merged.", now=utcnow())
    db.session.commit()
    tranche = db.session.get(Tranche, tranche.id)
    assert tranche.status is TrancheStatus.cancelled and tranche.cancel_reason == "The school merged."


@pytest.mark.parametrize("status", [TrancheStatus.processing, TrancheStatus.paid, TrancheStatus.failed,
                                    TrancheStatus.cancelled])
def test_a_tranche_being_paid_or_settled_cannot_be_cancelled(grants_world, status):
    tranche = put(grants_world, grants_world.tranches[1], status)
    with pytest.raises(release.ReleaseRefused):
        release.cancel(tranche, actor=grants_world.staff, reason="Too late", now=utcnow())
    db.session.rollback()
    assert db.session.get(Tranche, tranche.id).status is status


def test_the_grantee_cannot_cancel(grants_world):
    with pytest.raises(NotAllowed):
        release.cancel(grants_world.tranches[0], actor=grants_world.lead, reason="Mine", now=utcnow())


def test_finance_closes_a_grant_once_every_tranche_is_paid_or_cancelled(grants_world):
    accept(grants_world)
    first, second, third = grants_world.tranches
    put(grants_world, first, TrancheStatus.paid)
    put(grants_world, second, TrancheStatus.cancelled)
    with pytest.raises(release.ReleaseRefused, match="Every tranche"):
        release.close_grant(grants_world.grant, actor=grants_world.finance, now=utcnow())
    db.session.rollback()
    put(grants_world, third, TrancheStatus.paid)
    with pytest.raises(NotAllowed):
        release.close_grant(grants_world.grant, actor=grants_world.staff, now=utcnow())
    release.close_grant(grants_world.grant, actor=grants_world.finance, now=utcnow())
    db.session.commit()
    assert grants_world.grant.status is GrantStatus.closed


def test_approving_from_a_stale_copy_says_someone_else_changed_it(grants_world, requested):
    grants_world.payee(PayeeKind.manual)
    db.session.execute(sa.update(Tranche).where(Tranche.id == requested.id).values(version=Tranche.version + 1)
                       .execution_options(synchronize_session=False))
    with pytest.raises(ChangedMeanwhile, match="Someone else changed this"):
        release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.rollback()


# The views ------------------------------------------------------------------------------------

def _grant_page(client, world):
    return client.get(f"/grants/{world.grant.id}")


def test_the_release_journey_through_the_pages(grants_world, make_client):
    accept(grants_world)
    grants_world.payee(PayeeKind.manual)
    tranche = grants_world.tranches[0]
    staff = make_client(grants_world.staff)
    page = _grant_page(staff, grants_world)
    assert "Request the release" in page.text and "Approve the release" not in page.text
    response = staff.post(f"/grants/tranches/{tranche.id}/request", data={"version": tranche.version},
                          follow_redirects=True)
    assert "release requested" in response.text
    assert staff.post(f"/grants/tranches/{tranche.id}/approve").status_code == 404  # staff cannot approve

    finance = make_client(grants_world.finance)
    page = _grant_page(finance, grants_world)
    assert "Approve the release" in page.text
    response = finance.post(f"/grants/tranches/{tranche.id}/approve", follow_redirects=True)
    assert "release approved" in response.text and "record the payment" in response.text.lower()
    form = finance.get(f"/grants/tranches/{tranche.id}/payment")
    assert form.status_code == 200 and "Payment reference" in form.text
    response = finance.post(f"/grants/tranches/{tranche.id}/payment", data={"reference": "Wire 77-A"},
                            follow_redirects=True)
    assert "payment recorded" in response.text
    page = _grant_page(finance, grants_world)
    assert "Wire 77-A" in page.text and "Outside payment" in page.text  # the ledger line
    assert db.session.get(Tranche, tranche.id).status is TrancheStatus.paid


def test_the_requester_sees_that_another_finance_user_must_approve(grants_world, make_client, grant_role):
    from incubator.accounts.models import Role

    both = grant_role(grants_world.finance, grants_world.org, Role.program_staff)
    accept(grants_world)
    grants_world.payee(PayeeKind.manual)
    tranche = grants_world.tranches[0]
    client = make_client(both)
    client.post(f"/grants/tranches/{tranche.id}/request")
    page = _grant_page(client, grants_world)
    assert "You requested this: another finance user must approve it." in page.text
    response = client.post(f"/grants/tranches/{tranche.id}/approve", follow_redirects=True)
    assert "you cannot approve it" in response.text
    assert db.session.get(Tranche, tranche.id).status is TrancheStatus.requested


def test_a_stale_page_is_refused_with_someone_else_changed_this(grants_world, requested, make_client):
    grants_world.payee(PayeeKind.manual)
    response = make_client(grants_world.finance).post(f"/grants/tranches/{requested.id}/approve",
                                                      data={"version": requested.version - 1}, follow_redirects=True)
    assert "Someone else changed this tranche" in response.text
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.requested


def test_a_grantee_sees_their_tranches_but_not_the_failure_internals_or_buttons(grants_world, make_client):
    accept(grants_world)
    put(grants_world, grants_world.tranches[0], TrancheStatus.failed,
                     failure_message="Insufficient funds in the platform balance acct_secret")
    for user in (grants_world.lead, grants_world.member):
        page = _grant_page(make_client(user), grants_world)
        assert page.status_code == 200 and "Failed" in page.text
        assert "acct_secret" not in page.text and "Retry the payout" not in page.text
        assert "Cancel the tranche" not in page.text and "Ledger" not in page.text
    finance_page = _grant_page(make_client(grants_world.finance), grants_world)
    assert "Insufficient funds in the platform balance acct_secret" in finance_page.text
    assert "Retry the payout" in finance_page.text


def test_finance_retries_a_failed_payout(grants_world, make_client, queued):
    accept(grants_world)
    tranche = put(grants_world, grants_world.tranches[0], TrancheStatus.failed, failure_message="No balance")
    response = make_client(grants_world.finance).post(f"/grants/tranches/{tranche.id}/retry", follow_redirects=True)
    assert "queued again" in response.text
    tranche = db.session.get(Tranche, tranche.id)
    assert tranche.status is TrancheStatus.approved and tranche.payout_attempt == 2


def test_cancel_needs_a_reason_and_a_hostile_one_changes_nothing(grants_world, make_client):
    tranche = grants_world.tranches[1]
    client = make_client(grants_world.staff)
    for reason in ("", "x" * 1001, "bad\x00", "\u202eevil"):
        response = client.post(f"/grants/tranches/{tranche.id}/cancel", data={"reason": reason},
                               follow_redirects=True)
        assert response.status_code == 200
        assert db.session.get(Tranche, tranche.id).status is TrancheStatus.scheduled
    response = client.post(f"/grants/tranches/{tranche.id}/cancel", data={"reason": "<b>Merged</b>"},
                           follow_redirects=True)
    assert "cancelled" in response.text and "<b>Merged</b>" not in response.text
    assert db.session.get(Tranche, tranche.id).cancel_reason == "<b>Merged</b>"


def test_a_hostile_payment_reference_is_refused_on_the_form(grants_world, requested, make_client):
    grants_world.payee(PayeeKind.manual)
    release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    db.session.commit()
    client = make_client(grants_world.finance2)
    for reference in ("", "x" * 201, "a\x07b", "line\r\nbreak"):
        response = client.post(f"/grants/tranches/{requested.id}/payment", data={"reference": reference})
        assert response.status_code == 422 and "error-summary" in response.text
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.approved
    assert client.post(f"/grants/tranches/{requested.id}/payment", data={"reference": "ok"}, csrf=False).status_code \
        in (400, 422)
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.approved


def test_outsiders_get_404_on_every_release_route(grants_world, make_client, make_user, make_org, make_grants_world):
    accept(grants_world)
    other_org = make_org("Elsewhere", slug="elsewhere")
    elsewhere = make_grants_world(other_org)
    tranche = grants_world.tranches[0]
    for user in (elsewhere.finance, elsewhere.staff, make_user("nobody@example.org"), grants_world.member):
        client = make_client(user)
        for url in (f"/grants/tranches/{tranche.id}/request", f"/grants/tranches/{tranche.id}/approve",
                    f"/grants/tranches/{tranche.id}/cancel", f"/grants/tranches/{tranche.id}/retry",
                    f"/grants/tranches/{tranche.id}/payment", f"/grants/{grants_world.grant.id}/close"):
            assert client.post(url, data={"reason": "x", "reference": "x"}).status_code == 404, (user.email, url)
    for user in (elsewhere.finance, make_user("nobody2@example.org")):
        assert _grant_page(make_client(user), grants_world).status_code == 404
    assert db.session.get(Tranche, tranche.id).status is TrancheStatus.due


def test_finance_closes_the_grant_from_its_page(grants_world, make_client):
    accept(grants_world)
    for tranche in grants_world.tranches:
        put(grants_world, tranche, TrancheStatus.paid)
    client = make_client(grants_world.finance)
    assert "Close the grant" in _grant_page(client, grants_world).text
    response = client.post(f"/grants/{grants_world.grant.id}/close", follow_redirects=True)
    assert "The grant is closed" in response.text
    assert grants_world.grant.status is GrantStatus.closed


def test_the_audit_trail_says_who_requested_approved_and_cancelled(grants_world, requested, make_client, admin):
    grants_world.payee(PayeeKind.manual)
    release.approve_release(requested, actor=grants_world.finance, now=utcnow())
    release.cancel(grants_world.tranches[1], actor=grants_world.staff, reason="Plan changed", now=utcnow())
    db.session.commit()
    trail = make_client(admin).get("/admin/audit", query_string={"action": "grants.tranche"}).text
    assert "requested the release of" in trail and "approved the release of" in trail
    assert "Plan changed" in trail


def test_a_hostile_grantee_name_is_shown_as_text(grants_world, make_client):
    grants_world.application.school_name = "<script>alert(1)</script>"
    db.session.commit()
    for url in (f"/grants/{grants_world.grant.id}", f"/grants/finance/{grants_world.org.id}"):
        text = make_client(grants_world.finance).get(url).text
        assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text


def test_money_actions_need_a_recent_second_factor_and_csrf(grants_world, requested, make_client):
    from datetime import timedelta

    from incubator.accounts.models import UserSession

    grants_world.payee(PayeeKind.manual)
    client = make_client(grants_world.finance)
    assert client.post(f"/grants/tranches/{requested.id}/approve", csrf=False).status_code == 400
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.requested
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == grants_world.finance.id)
                       .values(second_factor_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    for url in (f"/grants/tranches/{requested.id}/approve", f"/grants/tranches/{requested.id}/retry",
                f"/grants/tranches/{requested.id}/payment"):
        response = client.post(url, data={"reference": "x"})
        assert response.status_code == 302 and "/account/two-factor/confirm" in response.location, url
    assert db.session.get(Tranche, requested.id).status is TrancheStatus.requested
