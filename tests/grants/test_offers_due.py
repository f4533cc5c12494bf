"""When tranches become due: on acceptance, through the real milestone approval, on their local
day (the sweep), and offers expiring; each once however often it runs."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.timeutil import end_of_local_day, utcnow
from incubator.extensions import db
from incubator.grants import offers, sweeps, tranches
from incubator.grants.models import Grant, Tranche
from incubator.grants.offers import TrancheSpec
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, TrancheStatus
from incubator.incubation import milestones
from incubator.incubation.models import School
from tests.grants.offers_support import accept, offer, prototype_of
from tests.incubation import conftest as incubation_fixtures
from tests.incubation.milestones_support import approved, fresh, submitted


def status_of(tranche) -> TrancheStatus:
    return TrancheStatus(db.session.scalar(sa.select(Tranche.status).where(Tranche.id == tranche.id)))


def due_events(tranche) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "grants.tranche.due", AuditEvent.object_id == tranche.id))


class PoolWorld:
    """The incubation world's challenge as a grant pool, with a finance user (offers_support.offer)."""

    def __init__(self, world, finance):
        self.org, self.challenge, self.staff, self.finance = world.org, world.challenge, world.staff, finance
        self.application = world.applications[0]
        self.incubation = world

    @property
    def lead(self):
        return self.application.team.lead

    def accept(self, grant):
        lead = self.lead
        grant.status, grant.version = GrantStatus.accepted, grant.version + 1
        grant.accepted_by_id, grant.accepted_name, grant.accepted_at = lead.id, "Lee Lead", utcnow()
        grant.accepted_letter_sha256 = "a" * 64
        db.session.flush()
        tranches.on_acceptance(grant, actor=lead, now=utcnow())
        db.session.commit()


@pytest.fixture
def make_incubation_world(make_user, grant_role):
    """tests/incubation/conftest.py's factory of teams with milestones (its conftest is not ours)."""
    return incubation_fixtures.make_incubation_world.__wrapped__(make_user, grant_role)


@pytest.fixture
def pooled(make_incubation_world, org, staff, finance):
    world = make_incubation_world(org, staff, teams=1)
    world.challenge.grant_pool_cents = 500_000_00
    db.session.commit()
    return PoolWorld(world, finance)


def test_acceptance_makes_the_on_acceptance_tranche_due_and_no_other(pooled):
    grant = offer(pooled)
    pooled.accept(grant)
    assert [status_of(t) for t in grant.tranches] == [TrancheStatus.due, TrancheStatus.scheduled,
                                                      TrancheStatus.scheduled]
    assert due_events(grant.tranches[0]) == 1
    assert tranches.on_acceptance(grant, actor=pooled.lead, now=utcnow()) == []  # a second call: nothing


def test_approving_the_milestone_through_incubation_makes_its_tranche_due_once(pooled):
    grant = offer(pooled)
    pooled.accept(grant)
    milestone_tranche = grant.tranches[2]
    prototype = pooled.incubation.milestone(0, title_starts=prototype_of(pooled.org).title[:12])
    assert prototype.template_id == milestone_tranche.template_milestone_id
    other = pooled.incubation.milestone(0, title_starts="Design")
    approved(other, pooled.lead, pooled.staff)  # another milestone: nothing happens
    assert status_of(milestone_tranche) is TrancheStatus.scheduled

    approved(prototype, pooled.lead, pooled.staff)
    assert status_of(milestone_tranche) is TrancheStatus.due
    assert due_events(milestone_tranche) == 1

    # Reopened and approved again: the tranche is due already, and stays due once.
    milestones.reopen(fresh(prototype), "The pilot report is missing a page.", actor=pooled.staff, now=utcnow())
    db.session.commit()
    milestones.decide(fresh(prototype), "approve", "", actor=pooled.staff, now=utcnow())
    db.session.commit()
    assert status_of(milestone_tranche) is TrancheStatus.due
    assert due_events(milestone_tranche) == 1


def test_a_milestone_approved_before_acceptance_makes_its_tranche_due_on_acceptance(pooled):
    grant = offer(pooled)
    prototype = pooled.incubation.milestone(0, title_starts=prototype_of(pooled.org).title[:12])
    approved(prototype, pooled.lead, pooled.staff)
    assert status_of(grant.tranches[2]) is TrancheStatus.scheduled  # only offered: it waits
    pooled.accept(grant)
    assert status_of(grant.tranches[2]) is TrancheStatus.due


def test_a_milestone_of_another_team_does_not_pay_this_one(make_incubation_world, org, staff, finance):
    world = make_incubation_world(org, staff, teams=2)
    world.challenge.grant_pool_cents = 500_000_00
    db.session.commit()
    pooled = PoolWorld(world, finance)
    grant = offer(pooled)
    pooled.accept(grant)
    title = prototype_of(org).title[:12]
    approved(world.milestone(1, title_starts=title), world.lead(1), staff)
    assert status_of(grant.tranches[2]) is TrancheStatus.scheduled


def test_a_school_grant_follows_the_schools_team(pooled):
    school = School(organisation_id=pooled.org.id, name="Bayou Elementary", team_id=pooled.application.team_id)
    db.session.add(school)
    db.session.commit()
    grant = offer(pooled, school=school, application=None, kind=GrantKind.launch)
    pooled.accept(grant)
    approved(pooled.incubation.milestone(0, title_starts=prototype_of(pooled.org).title[:12]), pooled.lead,
             pooled.staff)
    assert status_of(grant.tranches[2]) is TrancheStatus.due


def test_a_rejected_approval_undoes_the_tranche_too(pooled):
    """The listener runs inside the approval's transaction: rolled back together."""
    grant = offer(pooled)
    pooled.accept(grant)
    prototype = pooled.incubation.milestone(0, title_starts=prototype_of(pooled.org).title[:12])
    submitted(prototype, pooled.lead)
    milestones.decide(prototype, "approve", "", actor=pooled.staff, now=utcnow())
    db.session.rollback()
    assert status_of(grant.tranches[2]) is TrancheStatus.scheduled


# ---- dated tranches, in the organisation's timezone ------------------------------------------

def dated_grant(world, due_on, now):
    grant = offer(world, now=now, tranches=[TrancheSpec(60_000_00, DueCondition.on_acceptance),
                                            TrancheSpec(40_000_00, DueCondition.on_date, due_on)])
    accept(world, grant)
    return grant


@pytest.fixture
def fresh_pool(grants_world):
    grants_world.grant.status = GrantStatus.withdrawn
    db.session.commit()
    return grants_world


def test_a_dated_tranche_becomes_due_when_its_local_day_begins(fresh_pool):
    # The organisation is in Chicago (UTC-6 in winter): 15 January begins at 06:00 UTC.
    assert fresh_pool.org.timezone == "America/Chicago"
    offered = datetime(2027, 1, 1, 12, tzinfo=timezone.utc)
    grant = dated_grant(fresh_pool, datetime(2027, 1, 15).date(), offered)
    dated = grant.tranches[1]
    assert tranches.make_dated_due(datetime(2027, 1, 15, 5, 59, tzinfo=timezone.utc)) == 0  # still the 14th there
    assert status_of(dated) is TrancheStatus.scheduled
    assert tranches.make_dated_due(datetime(2027, 1, 15, 6, 0, tzinfo=timezone.utc)) == 1
    db.session.commit()
    assert status_of(dated) is TrancheStatus.due
    assert tranches.make_dated_due(datetime(2027, 1, 16, tzinfo=timezone.utc)) == 0  # once
    assert due_events(dated) == 1


def test_a_dated_tranche_of_an_offer_not_accepted_waits(fresh_pool):
    grant = offer(fresh_pool, now=datetime(2027, 1, 1, 12, tzinfo=timezone.utc),
                  tranches=[TrancheSpec(100_000_00, DueCondition.on_date, datetime(2027, 1, 15).date())],
                  expires_on=datetime(2027, 2, 1).date())
    assert tranches.make_dated_due(datetime(2027, 1, 20, tzinfo=timezone.utc)) == 0
    assert status_of(grant.tranches[0]) is TrancheStatus.scheduled


# ---- expiry ----------------------------------------------------------------------------------

def test_an_offer_expires_at_the_end_of_its_local_day(fresh_pool):
    offered = datetime(2027, 1, 1, 12, tzinfo=timezone.utc)
    grant = offer(fresh_pool, now=offered, expires_on=datetime(2027, 1, 10).date())
    end = end_of_local_day(grant.expires_on, "America/Chicago")
    assert end == datetime(2027, 1, 11, 6, tzinfo=timezone.utc)
    assert offers.expire_offers(end - timedelta(seconds=1)) == 0
    assert offers.expire_offers(end) == 1
    db.session.commit()
    db.session.refresh(grant)
    assert grant.status is GrantStatus.expired
    assert offers.expire_offers(end + timedelta(days=1)) == 0


def test_the_sweep_runs_both_parts_and_is_idempotent(fresh_pool, app):
    offered = datetime(2027, 1, 1, 12, tzinfo=timezone.utc)
    dated = dated_grant(fresh_pool, datetime(2027, 1, 5).date(), offered)
    expiring = offer(fresh_pool, now=offered, expires_on=datetime(2027, 1, 3).date(),
                     application=None, school=_school(fresh_pool), kind=GrantKind.launch)
    first = sweeps.run_sweep(datetime(2027, 1, 6, tzinfo=timezone.utc))
    assert first == {"tranches due": 1, "offers expired": 1}
    assert sweeps.run_sweep(datetime(2027, 1, 6, 1, tzinfo=timezone.utc)) == {"tranches due": 0, "offers expired": 0}
    assert status_of(dated.tranches[1]) is TrancheStatus.due
    assert db.session.get(Grant, expiring.id).status is GrantStatus.expired
    # The withdrawn fixture grant and the accepted one are left alone.
    assert db.session.get(Grant, dated.id).status is GrantStatus.accepted


def test_the_sweep_is_scheduled_once_on_the_default_queue(app):
    from incubator.core.jobs import queue

    sweeps.start_sweep()
    sweeps.start_sweep()
    registry = queue("default").scheduled_job_registry
    assert [j for j in registry.get_job_ids() if j.endswith("grants-sweep")] != []
    assert len([j for j in registry.get_job_ids() if j.endswith("grants-sweep")]) == 1


def test_the_workers_import_the_sweep():
    from incubator.core import jobs

    import importlib

    importlib.import_module("incubator.grants.jobs")  # what a worker imports
    assert any(f is sweeps.start_sweep for _, f in jobs._periodic)


def _school(world):
    school = School(organisation_id=world.org.id, name="Bayou Elementary", team_id=world.team.id)
    db.session.add(school)
    db.session.commit()
    return school
