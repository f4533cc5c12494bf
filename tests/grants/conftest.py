"""Fixtures of grants: a new-school challenge with a grant pool, a selected application (a team
of a lead and a member), program staff, two finance users, and a grant offered to the team in
three tranches (on acceptance, on a date, on a template milestone), built straight from the
models so every area's tests start from the same place.

`grants_world.accept()` records an acceptance (as the letter area's service would) and makes
the on-acceptance tranche due; `grants_world.put(tranche, status, **values)` sets a tranche's
state directly for tests that start mid-way (never use it in the code under test).
"""
from datetime import date, timedelta

import pytest

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import end_of_local_day, utcnow
from incubator.extensions import db
from incubator.grants.models import Grant, Payee, Tranche
from incubator.grants.states import DueCondition, GrantKind, GrantStatus, PayeeKind, TrancheStatus
from incubator.incubation import plans


class GrantsWorld:
    def __init__(self, org, challenge, application, staff, finance, finance2, grant):
        self.org, self.challenge, self.application = org, challenge, application
        self.staff, self.finance, self.finance2, self.grant = staff, finance, finance2, grant

    @property
    def team(self) -> Team:
        return self.application.team

    @property
    def lead(self):
        return self.team.lead

    @property
    def member(self):
        return next(m.user for m in self.team.members if not m.is_lead)

    @property
    def tranches(self) -> list[Tranche]:
        return list(self.grant.tranches)

    def accept(self, grant: Grant | None = None) -> Grant:
        grant = grant or self.grant
        now = utcnow()
        lead = self.lead  # loaded before the row changes (a lazy load would flush half of it)
        grant.status, grant.version = GrantStatus.accepted, grant.version + 1
        grant.accepted_by_id, grant.accepted_name, grant.accepted_at = lead.id, lead.name, now
        grant.accepted_ip, grant.accepted_letter_sha256 = "127.0.0.1", "a" * 64
        for tranche in grant.tranches:
            if tranche.condition is DueCondition.on_acceptance:
                tranche.status, tranche.became_due_at = TrancheStatus.due, now
        db.session.commit()
        return grant

    def put(self, tranche: Tranche, status: TrancheStatus, **values) -> Tranche:
        now = utcnow()
        staff_id, finance_id = self.staff.id, self.finance.id  # loaded before the row changes
        tranche.status = status
        if status in (TrancheStatus.requested, TrancheStatus.approved, TrancheStatus.processing,
                      TrancheStatus.paid, TrancheStatus.failed):
            tranche.requested_by_id = tranche.requested_by_id or staff_id
            tranche.requested_at = tranche.requested_at or now
        if status in (TrancheStatus.approved, TrancheStatus.processing, TrancheStatus.paid, TrancheStatus.failed):
            tranche.approved_by_id = tranche.approved_by_id or finance_id
            tranche.approved_at = tranche.approved_at or now
        if status is TrancheStatus.paid:
            tranche.paid_at = tranche.paid_at or now
        for name, value in values.items():
            setattr(tranche, name, value)
        tranche.version += 1
        db.session.commit()
        return tranche

    def payee(self, kind: PayeeKind = PayeeKind.manual, *, account_id: str | None = None,
              payouts_enabled: bool = True) -> Payee:
        payee = Payee(organisation_id=self.org.id, team_id=self.team.id, kind=kind, stripe_account_id=account_id,
                      payouts_enabled=payouts_enabled, details_submitted=payouts_enabled,
                      name=self.application.school_name, created_by_id=self.finance.id)
        db.session.add(payee)
        db.session.commit()
        return payee


@pytest.fixture
def make_grants_world(make_user, grant_role):
    counter = iter(range(1, 10**6))

    def make(org, staff=None, finance=None, *, pool_cents=500_000_00, amount_cents=100_000_00,
             expires_in_days=30):
        n = next(counter)
        now = utcnow()
        staff = staff or grant_role(make_user(f"staff-gr{n}@example.org", name=f"Sam Staff {n}"), org,
                                    Role.program_staff)
        finance = finance or grant_role(make_user(f"fin-gr{n}@example.org", name=f"Fran Finance {n}"), org,
                                        Role.finance)
        finance2 = grant_role(make_user(f"fin2-gr{n}@example.org", name=f"Flo Finance {n}"), org, Role.finance)
        challenge = Challenge(organisation=org, title=f"Future of School {n}", slug=f"future-gr{n}",
                              track=Track.new_school, status=ChallengeStatus.published,
                              opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=90),
                              grant_pool_cents=pool_cents, planning_grant_cents=amount_cents)
        team = Team(name=f"Bayou Lab {n}")
        team.members.append(TeamMember(user=make_user(f"lead-gr{n}@bayou-gr{n}.org", name=f"Lee Lead {n}"),
                                       is_lead=True))
        team.members.append(TeamMember(user=make_user(f"member-gr{n}@bayou-gr{n}.org", name=f"Mo Member {n}")))
        application = Application(team=team, challenge=challenge, school_name=f"Bayou School {n}",
                                  status=Status.selected, submitted_at=now - timedelta(days=100),
                                  grades="K-5", launch_year=2028, target_enrollment=300)
        db.session.add_all([challenge, application])
        db.session.flush()
        template = plans.template_of(org)
        prototype = next(t for t in template if "rototype" in t.title)
        expires_on = (now + timedelta(days=expires_in_days)).date()
        grant = Grant(organisation_id=org.id, challenge_id=challenge.id, kind=GrantKind.planning,
                      application_id=application.id, team_id=team.id, amount_cents=amount_cents,
                      terms="The grant pays for **planning**: staff time, community sessions and design work.",
                      expires_on=expires_on, expires_at=end_of_local_day(expires_on, org.timezone),
                      offered_by_id=staff.id, offered_at=now)
        first = amount_cents * 4 // 10
        second = amount_cents * 3 // 10
        grant.tranches.append(Tranche(position=1, amount_cents=first, condition=DueCondition.on_acceptance))
        grant.tranches.append(Tranche(position=2, amount_cents=second, condition=DueCondition.on_date,
                                      due_on=(now + timedelta(days=90)).date()))
        grant.tranches.append(Tranche(position=3, amount_cents=amount_cents - first - second,
                                      condition=DueCondition.on_milestone, template_milestone_id=prototype.id,
                                      milestone_title=prototype.title))
        db.session.add(grant)
        db.session.commit()
        return GrantsWorld(org, challenge, application, staff, finance, finance2, grant)

    return make


@pytest.fixture
def grants_world(make_grants_world, org, staff, finance):
    """A $100,000 planning grant offered to a selected team from a $500,000 pool: $40,000 on
    acceptance, $30,000 in 90 days, $30,000 when the prototype pilot milestone is approved."""
    return make_grants_world(org, staff, finance)


def local_day(days_from_today: int = 0) -> date:
    return (utcnow() + timedelta(days=days_from_today)).date()
