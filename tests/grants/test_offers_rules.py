"""Offering a grant: every rule of offers.offer_grant, the pool's figures, withdrawing."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.states import Status
from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed
from incubator.core.timeutil import end_of_local_day, local, utcnow
from incubator.extensions import db
from incubator.grants import offers, pool
from incubator.grants.models import Grant, Tranche
from incubator.grants.offers import OfferRefused, TrancheSpec
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, TrancheStatus
from incubator.incubation.models import School
from tests.grants.offers_support import accept, offer, prototype_of, put


@pytest.fixture
def second(grants_world, make_grants_world, org, staff, finance):
    """The world's own fixture grant withdrawn, so its team can be offered one again."""
    grants_world.grant.status = GrantStatus.withdrawn
    db.session.commit()
    return grants_world


def grants_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Grant))


def test_an_offer_is_saved_with_its_tranches_audited_and_counted_in_the_pool(second):
    before = pool.figures(second.challenge)
    grant = offer(second)
    assert grant.status is GrantStatus.offered and grant.team_id == second.team.id
    assert [t.amount_cents for t in grant.tranches] == [40_000_00, 30_000_00, 30_000_00]
    assert [t.position for t in grant.tranches] == [1, 2, 3]
    assert grant.tranches[2].milestone_title == prototype_of(second.org).title
    assert grant.expires_at == end_of_local_day(grant.expires_on, second.org.timezone)
    after = pool.figures(second.challenge)
    assert after.committed_cents == before.committed_cents + 100_000_00
    assert after.available_cents == before.available_cents - 100_000_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "grants.grant.offered")) == 1


def test_the_tranches_must_add_up_exactly_to_the_amount(second):
    short = [TrancheSpec(40_000_00, DueCondition.on_acceptance), TrancheSpec(50_000_00, DueCondition.on_acceptance)]
    with pytest.raises(OfferRefused, match=r"The tranches add up to \$90,000\.00; the grant is \$100,000\.00\."):
        offer(second, tranches=short)
    db.session.rollback()
    over = short + [TrancheSpec(10_000_01, DueCondition.on_acceptance)]
    with pytest.raises(OfferRefused, match=r"add up to \$100,000\.01"):
        offer(second, tranches=over)
    db.session.rollback()
    assert grants_count() == 1  # only the fixture's


def test_the_sum_rule_holds_for_every_grant_stored(second):
    """The sum rule lives in the service; the database holds what it let through (both databases)."""
    offer(second, amount_cents=123_456_78, tranches=[TrancheSpec(100_000_00, DueCondition.on_acceptance),
                                                    TrancheSpec(23_456_78, DueCondition.on_acceptance)])
    mismatched = db.session.execute(
        sa.select(Grant.id).join(Tranche, Tranche.grant_id == Grant.id).group_by(Grant.id, Grant.amount_cents)
        .having(sa.func.sum(Tranche.amount_cents) != Grant.amount_cents)).all()
    assert mismatched == []


def test_an_offer_beyond_the_pool_is_refused_with_the_figures(second, make_grants_world):
    # The fixture's grant is withdrawn: $500,000 budget. Commit $440,000 with other offers.
    challenge = second.challenge
    for index in range(4):
        other = make_grants_world(second.org, second.staff, second.finance)
        other.grant.challenge_id, other.application.challenge_id = challenge.id, challenge.id
        db.session.commit()
        if index == 3:
            db.session.delete(other.grant)  # a fourth team without a grant yet
            db.session.commit()
            fourth = other
    # Three grants of $100,000 each ($300,000) plus one of $140,000.
    offer(second, amount_cents=140_000_00)
    figures = pool.figures(challenge)
    assert (figures.budget_cents, figures.committed_cents, figures.available_cents) == \
        (500_000_00, 440_000_00, 60_000_00)
    with pytest.raises(OfferRefused) as refused:
        offer(second, application=fourth.application, amount_cents=100_000_00)
    assert str(refused.value) == ("The pool has $60,000.00 available ($500,000.00 budget, $440,000.00 committed); "
                                  "this offer is $100,000.00.")
    db.session.rollback()
    offer(second, application=fourth.application, amount_cents=60_000_00)  # exactly what is left
    assert pool.figures(challenge).available_cents == 0


def test_cancelled_tranches_and_closed_offers_free_the_pool(second):
    grant = offer(second)
    assert pool.figures(second.challenge).committed_cents == 100_000_00
    grant.tranches[2].status = TrancheStatus.cancelled
    db.session.commit()
    assert pool.figures(second.challenge).committed_cents == 70_000_00
    offers.withdraw(grant, actor=second.staff, reason="The team merged with another.", now=utcnow())
    db.session.commit()
    assert pool.figures(second.challenge).committed_cents == 0


def test_paid_is_the_ledger_sum_minus_reversals(grants_world):
    from incubator.grants.models import LedgerEntry
    from incubator.grants.states import LedgerKind

    accept(grants_world)
    first, second_tranche = grants_world.tranches[0], grants_world.tranches[1]
    put(grants_world, first, TrancheStatus.paid, transfer_id="tr_1")
    put(grants_world, second_tranche, TrancheStatus.paid, manual_reference="cheque 12")
    db.session.add_all([
        LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id, tranche_id=first.id,
                    kind=LedgerKind.transfer, amount_cents=first.amount_cents, transfer_id="tr_1"),
        LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id,
                    tranche_id=second_tranche.id, kind=LedgerKind.manual_payment,
                    amount_cents=second_tranche.amount_cents, reference="cheque 12"),
        LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id, tranche_id=first.id,
                    kind=LedgerKind.reversal, amount_cents=-5_000_00, transfer_id="tr_1")])
    db.session.commit()
    figures = pool.figures(grants_world.challenge)
    assert figures.paid_cents == 40_000_00 + 30_000_00 - 5_000_00
    assert figures.committed_cents == 100_000_00


def test_the_pool_figures_take_one_statement(grants_world, count_statements):
    challenge = grants_world.challenge
    assert challenge.grant_pool_cents  # loaded
    assert count_statements(lambda: pool.figures(challenge)) == 1


def test_one_open_grant_of_a_kind_per_grantee_and_pool(grants_world):
    with pytest.raises(OfferRefused, match="already has an open planning grant"):
        offer(grants_world)
    db.session.rollback()
    accept(grants_world)
    with pytest.raises(OfferRefused, match="already has an open planning grant"):
        offer(grants_world)


@pytest.mark.parametrize("status", [Status.submitted, Status.declined, Status.waitlisted])
def test_a_planning_grant_goes_only_to_a_selected_application(second, status):
    second.application.status = status
    db.session.commit()
    with pytest.raises(OfferRefused, match="selected team"):
        offer(second)


def test_an_application_of_another_challenge_is_refused(second, make_grants_world):
    other = make_grants_world(second.org, second.staff, second.finance)
    with pytest.raises(OfferRefused, match="not one of this challenge"):
        offer(second, application=other.application)


def test_a_school_grant_goes_to_a_school_of_the_organisation(second, make_org):
    own = School(organisation_id=second.org.id, name="Bayou Elementary", team_id=second.team.id)
    foreign = School(organisation_id=make_org("Elsewhere").id, name="Far School")
    db.session.add_all([own, foreign])
    db.session.commit()
    grant = offer(second, school=own, kind=GrantKind.transition, application=None)
    assert grant.school_id == own.id and grant.team_id is None and grant.grantee_team.id == second.team.id
    with pytest.raises(OfferRefused, match="not one of this organization"):
        offer(second, school=foreign, kind=GrantKind.launch, application=None)
    db.session.rollback()
    with pytest.raises(OfferRefused, match="goes to a school"):
        offer(second, kind=GrantKind.launch)


@pytest.mark.parametrize("count", [0, 13])
def test_a_grant_has_one_to_twelve_tranches(second, count):
    amount = 13_000_00
    rows = [TrancheSpec(1_000_00, DueCondition.on_acceptance) for _ in range(count)]
    with pytest.raises(OfferRefused, match=f"1 to 12 tranches; this one has {count}"):
        offer(second, amount_cents=amount if count else 1_000_00, tranches=rows)


def test_twelve_tranches_are_fine(second):
    grant = offer(second, amount_cents=12_000_00,
                  tranches=[TrancheSpec(1_000_00, DueCondition.on_acceptance) for _ in range(12)])
    assert len(grant.tranches) == 12


@pytest.mark.parametrize("cents", [0, -100])
def test_each_tranche_is_positive(second, cents):
    rows = [TrancheSpec(100_000_00 - cents, DueCondition.on_acceptance), TrancheSpec(cents, DueCondition.on_acceptance)]
    with pytest.raises(OfferRefused, match=r"Tranche 2: its amount must be more than \$0\.00"):
        offer(second, tranches=rows)


@pytest.mark.parametrize("cents", [0, -1, 10**14])
def test_the_amount_is_positive_and_not_absurd(second, cents):
    with pytest.raises(OfferRefused):
        offer(second, amount_cents=cents, tranches=[TrancheSpec(max(cents, 1), DueCondition.on_acceptance)])
    assert grants_count() == 1


def test_a_dated_tranche_falls_after_the_organisations_today(second):
    now = utcnow()
    today = local(now, second.org.timezone).date()
    for day in (today, today - timedelta(days=3)):
        rows = [TrancheSpec(60_000_00, DueCondition.on_acceptance), TrancheSpec(40_000_00, DueCondition.on_date, day)]
        with pytest.raises(OfferRefused, match="Tranche 2: its date must be after today"):
            offer(second, tranches=rows, now=now)
        db.session.rollback()
    rows = [TrancheSpec(60_000_00, DueCondition.on_acceptance), TrancheSpec(40_000_00, DueCondition.on_date, None)]
    with pytest.raises(OfferRefused, match="Tranche 2: give the date"):
        offer(second, tranches=rows, now=now)
    db.session.rollback()
    rows[1].due_on = today + timedelta(days=1)
    assert offer(second, tranches=rows, now=now).tranches[1].due_on == today + timedelta(days=1)


def test_a_milestone_tranche_names_a_milestone_of_the_organisations_template(second, make_org):
    from incubator.incubation import plans

    foreign = plans.template_of(make_org("Elsewhere"))[0]
    rows = [TrancheSpec(60_000_00, DueCondition.on_acceptance),
            TrancheSpec(40_000_00, DueCondition.on_milestone, template_milestone=foreign)]
    with pytest.raises(OfferRefused, match="Tranche 2: choose a milestone of your organization"):
        offer(second, tranches=rows)
    db.session.rollback()
    rows[1].template_milestone = None
    with pytest.raises(OfferRefused, match="Tranche 2: choose a milestone"):
        offer(second, tranches=rows)


def test_the_expiry_is_after_the_organisations_today(second):
    now = utcnow()
    today = local(now, second.org.timezone).date()
    with pytest.raises(OfferRefused, match="must expire after today"):
        offer(second, expires_on=today, now=now)
    db.session.rollback()
    assert offer(second, expires_on=today + timedelta(days=1), now=now).expires_on == today + timedelta(days=1)


@pytest.mark.parametrize("terms, message", [
    ("", "Write the terms"), ("   \n ", "Write the terms"), ("x" * 20_001, "at most 20,000 characters"),
    ("Pay \x00 me", "not allowed"), ("Pay \u202e em", "not allowed")])
def test_terms_are_required_bounded_and_clean(second, terms, message):
    with pytest.raises(OfferRefused, match=message):
        offer(second, terms=terms)


def test_terms_are_stored_as_typed_and_rendered_safe(second, make_client):
    grant = offer(second, terms="**Bold** <script>alert(1)</script> [x](javascript:alert(2))")
    from incubator.challenges.markdown import render_markdown

    html = str(render_markdown(grant.terms))
    assert "<strong>Bold</strong>" in html and "<script>" not in html and "javascript:" not in html


def test_only_program_staff_may_offer(second, make_user, grant_role):
    from incubator.accounts.models import Role

    reviewer = grant_role(make_user("rev-offer@example.org"), second.org, Role.reviewer)
    for actor in (second.finance, reviewer, second.lead):
        with pytest.raises(NotAllowed):
            offer(second, actor=actor)
        db.session.rollback()
    assert grants_count() == 1


def test_withdrawing_needs_a_reason_and_an_open_offer(grants_world):
    grant = grants_world.grant
    with pytest.raises(OfferRefused, match="Give the reason"):
        offers.withdraw(grant, actor=grants_world.staff, reason="  ", now=utcnow())
    with pytest.raises(NotAllowed):
        offers.withdraw(grant, actor=grants_world.finance, reason="No.", now=utcnow())
    offers.withdraw(grant, actor=grants_world.staff, reason="The team merged.", now=utcnow())
    db.session.commit()
    db.session.refresh(grant)
    assert grant.status is GrantStatus.withdrawn and grant.end_reason == "The team merged."
    assert grant.ended_by_id == grants_world.staff.id
    from incubator.core.errors import InvalidTransition

    with pytest.raises(InvalidTransition):
        offers.withdraw(grant, actor=grants_world.staff, reason="Again.", now=utcnow())


def test_an_accepted_grant_cannot_be_withdrawn(grants_world):
    from incubator.core.errors import InvalidTransition

    accept(grants_world)
    with pytest.raises(InvalidTransition):
        offers.withdraw(grants_world.grant, actor=grants_world.staff, reason="Changed our minds.", now=utcnow())
