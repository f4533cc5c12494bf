"""The staff's weekly digest: Monday morning (the organisation's time), once per ISO week, what
awaits review by cohort and team with links, and what is overdue; nothing when nothing awaits."""
from datetime import date, timedelta

import pytest

from incubator.core import digests
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import jobs
from incubator.incubation.lifecycle import move_milestone
from incubator.incubation.states import MilestoneStatus
from tests.incubation.reminders_kit import at_local, claims, kept, only_due, outbox

MONDAY = date(2026, 4, 13)


def submit(milestone, actor, when=None):
    when = when or utcnow()
    move_milestone(milestone, MilestoneStatus.submitted, actor=actor, now=when, activity="Submitted",
                   submitted_at=when)
    db.session.commit()


@pytest.fixture
def awaiting(incubation):
    """Team 0 submitted its community input; team 1's prototype pilot is late."""
    community, late = incubation.milestone(0, "Community"), incubation.milestone(1, "Prototype")
    only_due(incubation, (community, MONDAY + timedelta(days=3)), (late, MONDAY - timedelta(days=4)))
    submit(community, incubation.lead(0), at_local(MONDAY - timedelta(days=2), 14))
    return incubation


def test_staff_get_one_digest_a_week_with_what_awaits_and_what_is_late(awaiting, make_user, grant_role, org,
                                                                       mailbox, run_jobs):
    other_staff = grant_role(make_user("pat@example.org", name="Pat Staff"), org, "program_staff")
    assert jobs.send_staff_weekly(at_local(MONDAY, 6, 59)) == 0  # before 07:00 local
    assert jobs.send_staff_weekly(at_local(MONDAY, 7)) == 2
    assert jobs.send_staff_weekly(at_local(MONDAY, 11)) == 0
    assert jobs.send_staff_weekly(at_local(MONDAY + timedelta(days=2), 9)) == 0  # not on a Wednesday
    run_jobs(["mail"])
    for person in (awaiting.staff, other_staff):
        assert len(mailbox.to(person.email)) == 1
    message = mailbox.last(awaiting.staff.email)
    assert message["Subject"] == "This week: 1 milestone awaiting review, 1 overdue (New Schools for New Orleans)"
    body = mailbox.body(message)
    school0, school1 = awaiting.teams[0].school_name, awaiting.teams[1].school_name
    review_part, late_part = body.split("OVERDUE")
    assert awaiting.cohort.name in review_part and school0 in review_part and school1 not in review_part
    assert f"Community input sessions, submitted 11 Apr: http://localhost/incubation/milestones/" \
           f"{awaiting.milestone(0, 'Community').id}" in review_part
    assert f"http://localhost/incubation/cohorts/{awaiting.cohort.id}" in review_part
    assert school1 in late_part and "Prototype pilot, due 9 Apr, 4 days late" in late_part
    # Nobody outside the organisation's staff: not the coach, not the teams.
    assert mailbox.to(awaiting.coach.email) == [] and mailbox.to(awaiting.lead(0).email) == []
    # The next Monday, again (claimed per ISO week).
    assert jobs.send_staff_weekly(at_local(MONDAY + timedelta(days=7), 8)) == 2
    assert [c[1] for c in claims("incubation.staff_weekly")].count(f"organisation:{org.id}:2026-W16") == 2


def test_nothing_is_sent_when_nothing_awaits_review(incubation):
    only_due(incubation, (incubation.milestone(1, "Prototype"), MONDAY - timedelta(days=4)))  # late, not handed in
    assert jobs.send_staff_weekly(at_local(MONDAY, 8)) == 0
    assert outbox() == [] and claims("incubation.staff_weekly") == []


def test_the_week_is_the_organisations_own(awaiting, org):
    org.timezone = "Pacific/Auckland"  # Sunday 15:00 in Chicago is Monday 08:00 there
    db.session.commit()
    assert jobs.send_staff_weekly(at_local(MONDAY - timedelta(days=1), 15)) == 1
    assert claims("incubation.staff_weekly")[0][1].endswith(":2026-W16")


def test_a_daily_digest_staff_member_gets_it_in_the_digest(awaiting):
    digests.set_mode(awaiting.staff, "daily", actor=awaiting.staff)
    db.session.commit()
    assert jobs.send_staff_weekly(at_local(MONDAY, 7, 30)) == 1
    assert outbox(awaiting.staff.email) == []
    assert [i.kind for i in kept(awaiting.staff)] == ["incubation.staff_weekly"]
    assert jobs.send_all(at_local(MONDAY, 8))["daily digests"] == 1
    [digest] = outbox(awaiting.staff.email)
    assert "awaiting review" in digest.body_text


def test_staff_of_another_organisation_are_not_told(awaiting, make_org, make_user, grant_role):
    elsewhere = make_org("Elsewhere")
    stranger = grant_role(make_user("stranger@example.org"), elsewhere, "program_staff")
    jobs.send_staff_weekly(at_local(MONDAY, 8))
    assert outbox(stranger.email) == []
