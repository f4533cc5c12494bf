"""The demo seed: an offered grant, an accepted one with a paid, a due and a scheduled tranche,
two finance users with two-factor sign-in; made through the lifecycle, without mail, safe to
run twice."""
import pyotp
import sqlalchemy as sa

from incubator.accounts.models import Role, User
from incubator.core.audit import AuditEvent
from incubator.core.demo import DEMO_PASSWORD
from incubator.core.mail import OutboxMessage
from incubator.core.notices import SentNotice
from incubator.extensions import db
from incubator.grants.demo import DEMO_TOTP_SECRET, REFERENCE
from incubator.grants.models import Grant, LedgerEntry, Payee
from incubator.grants.states import DueCondition, GrantStatus, LedgerKind, PayeeKind, TrancheStatus


def _seed_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()


def test_the_demo_has_an_offer_and_an_accepted_grant_with_a_paid_and_a_due_tranche(app, mailbox):
    _seed_twice(app)
    grants = {g.team.name: g for g in db.session.scalars(sa.select(Grant))}
    assert sorted(grants) == ["Bayou Learning Lab", "Crescent Studio"]

    offer = grants["Crescent Studio"]
    assert offer.status is GrantStatus.offered and offer.amount_cents == 100_000_00
    assert offer.offered_by.email == "staff@example.org" and offer.accepted_at is None
    assert all(t.status is TrancheStatus.scheduled for t in offer.tranches)

    grant = grants["Bayou Learning Lab"]
    assert grant.status is GrantStatus.accepted and grant.amount_cents == 100_000_00
    assert grant.accepted_by.email == "lead@example.org" and grant.accepted_name == "Lee Lead"
    assert grant.accepted_at and len(grant.accepted_letter_sha256) == 64
    assert sum(t.amount_cents for t in grant.tranches) == grant.amount_cents
    paid, due, scheduled = grant.tranches
    assert paid.status is TrancheStatus.paid and paid.manual_reference == REFERENCE
    assert paid.requested_by_id != paid.approved_by_id
    assert due.status is TrancheStatus.due and due.condition is DueCondition.on_date
    assert scheduled.status is TrancheStatus.scheduled and "rototype" in scheduled.milestone_title

    payee = db.session.scalar(sa.select(Payee).where(Payee.team_id == grant.team_id))
    assert payee.kind is PayeeKind.manual and payee.replaced_at is None
    lines = db.session.scalars(sa.select(LedgerEntry)).all()
    assert [(line.tranche_id, line.kind, line.amount_cents, line.reference) for line in lines] == [
        (paid.id, LedgerKind.manual_payment, 40_000_00, REFERENCE)]

    # Every move went through the lifecycle, and nothing was mailed or kept for later.
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("grants.%")))]
    for action in ("grants.grant.offered", "grants.grant.accepted", "grants.tranche.due", "grants.tranche.requested",
                   "grants.tranche.approved", "grants.tranche.paid", "grants.payee.changed", "grants.ledger.recorded"):
        assert action in actions, action
    assert actions.count("grants.grant.offered") == 2  # seeded twice, still once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice).where(
        SentNotice.kind.like("grants.%"))) == 0
    assert mailbox.messages == []


def test_the_demo_finance_users_have_two_factor_sign_in_with_the_readme_secret(app):
    _seed_twice(app)
    people = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("finance%")))}
    assert sorted(people) == ["finance2@example.org", "finance@example.org"]
    org_id = people["finance@example.org"].memberships[0].organisation_id
    for user in people.values():
        assert user.has_role(org_id, Role.finance)
        assert user.two_factor_enabled_at is not None and user.totp_secret == DEMO_TOTP_SECRET
        assert pyotp.TOTP(user.totp_secret).now().isdigit()
    readme = (app.root_path + "/../README.md")
    assert DEMO_TOTP_SECRET in open(readme).read()


def test_the_demo_dashboards_show_the_grants(app, make_client):
    _seed_twice(app)
    lead = db.session.scalar(sa.select(User).where(User.email == "lead@example.org"))
    staff = db.session.scalar(sa.select(User).where(User.email == "staff@example.org"))
    crescent = db.session.scalar(sa.select(User).where(User.email == "team3@example.org"))

    def dashboard(user) -> str:
        browser = make_client()
        browser.login(user, DEMO_PASSWORD)
        return browser.get("/dashboard").text

    assert "Next tranche: <strong>$30,000</strong>, due." in dashboard(lead)
    assert "1 tranche due</strong> ($30,000)" in dashboard(staff)
    assert "Your grant offer from <strong>New Schools for New Orleans</strong>: <strong>$100,000</strong>" in \
        dashboard(crescent)
