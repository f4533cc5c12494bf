"""The demo seed: three selected teams in the "Spring 2027 cohort", with progress worth showing
on the grid, made without mail and safe to run twice."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core.demo import DEMO_PASSWORD
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.models import (CoachingSession, Cohort, Evidence, Milestone, MilestoneComment,
                                         StakeholderEntry)
from incubator.incubation.states import MilestoneStatus, StakeholderGroup


def _seed_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()


def test_the_demo_cohort_has_three_teams_with_progress_and_seeding_twice_adds_nothing(app, mailbox):
    _seed_twice(app)
    cohorts = db.session.scalars(sa.select(Cohort)).all()
    assert [c.name for c in cohorts] == ["Spring 2027 cohort"]
    cohort = cohorts[0]
    today = local(utcnow(), cohort.timezone).date()
    assert (today - cohort.starts_on).days == 75
    assert sorted(c.user.email for c in cohort.coaches) == ["coach@example.org", "staff@example.org"]
    assert sorted(t.team.name for t in cohort.teams) == ["Bayou Learning Lab", "Crescent Studio", "Treme Makers"]
    assert all(t.application.status == Status.selected for t in cohort.teams)
    assert all(len(t.milestones) == 7 for t in cohort.teams)

    statuses = [m.status for t in cohort.teams for m in t.milestones]
    assert statuses.count(MilestoneStatus.approved) >= 3
    assert MilestoneStatus.submitted in statuses and MilestoneStatus.changes_requested in statuses
    now = utcnow()
    assert sum(m.is_overdue(now) for t in cohort.teams for m in t.milestones) >= 2
    for team in cohort.teams:
        assert any(m.status == MilestoneStatus.approved for m in team.milestones), team.team.name
    comments = db.session.scalars(sa.select(MilestoneComment)).all()
    assert comments and all(c.author.email == "staff@example.org" for c in comments)
    kinds = {e.kind for e in db.session.scalars(sa.select(Evidence))}
    assert kinds == {"text", "link"}

    bayou = next(t for t in cohort.teams if t.team.name == "Bayou Learning Lab")
    groups = [e.group for e in db.session.scalars(sa.select(StakeholderEntry).filter_by(cohort_team_id=bayou.id))]
    assert schedule.missing_groups(groups) == [StakeholderGroup.school_leaders]
    sessions = db.session.scalars(sa.select(CoachingSession).filter_by(cohort_team_id=bayou.id)).all()
    assert len(sessions) == 3 and any(s.replies for s in sessions)
    assert all(s.coach.email == "coach@example.org" for s in sessions)
    # Seeded twice, still once: one cohort, 21 milestones, no mail sent or kept for later.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) == 21
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert mailbox.messages == []
    from incubator.core.jobs import all_queues

    assert sum(q.count for q in all_queues()) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application).filter_by(
        status=Status.selected)) == 3


def _signed_in(make_client, email):
    user = db.session.scalar(sa.select(User).filter_by(email=email))
    client = make_client()
    client.login(user, password=DEMO_PASSWORD)
    return client


def test_the_demo_people_find_the_cohort_from_their_dashboard(app, make_client):
    _seed_twice(app)
    bayou = db.session.scalar(sa.select(Cohort)).teams
    bayou = next(t for t in bayou if t.team.name == "Bayou Learning Lab")

    member = _signed_in(make_client, "member@example.org")
    dashboard = member.get("/dashboard").text
    assert "Your incubation" in dashboard and "1 overdue" in dashboard
    assert f"/incubation/teams/{bayou.id}" in dashboard and 'href="/incubation/"' in dashboard

    coach = _signed_in(make_client, "coach@example.org")
    dashboard = coach.get("/dashboard").text
    assert "Your cohorts" in dashboard and "Spring 2027 cohort" in dashboard

    staff = _signed_in(make_client, "staff@example.org")
    page = staff.get("/incubation/").text
    assert "Spring 2027 cohort" in page and "Cam Coach" in page and "Under way" in page
