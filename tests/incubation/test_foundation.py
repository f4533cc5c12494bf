"""The foundation of incubation: the tables of its lifecycles, the pure date maths, a cohort
made from selected teams, and who may see it."""
from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest

from incubator.core.errors import InvalidTransition, ValidationFailed
from incubator.core.permissions import can
from incubator.incubation import cohorts, schedule, states
from incubator.incubation.states import REQUIRED_GROUPS, MilestoneStatus, StakeholderGroup

ALLOWED = {
    ("pending", "submitted"), ("changes_requested", "submitted"), ("submitted", "approved"),
    ("submitted", "changes_requested"), ("approved", "submitted"),
}


@pytest.mark.parametrize("current,target", list(product(MilestoneStatus, MilestoneStatus)))
def test_every_milestone_move_is_in_the_table_or_refused(current, target):
    if (current.value, target.value) in ALLOWED:
        assert states.check_milestone(current, target).startswith("incubation.milestone.")
    else:
        with pytest.raises(InvalidTransition):
            states.check_milestone(current, target)


def test_approval_is_final_except_by_reopening():
    assert states.check_milestone("approved", "submitted") == "incubation.milestone.reopened"
    with pytest.raises(InvalidTransition):
        states.check_milestone("approved", "changes_requested")


def test_a_due_date_keeps_its_local_day_across_the_daylight_saving_change():
    # Chicago leaves daylight saving on 1 Nov 2026: the end of 31 Oct is 05:00 UTC, of 2 Nov 06:00 UTC.
    before = schedule.due_moment(date(2026, 10, 31), "America/Chicago")
    after = schedule.due_moment(date(2026, 11, 2), "America/Chicago")
    assert before == datetime(2026, 11, 1, 5, 0, tzinfo=timezone.utc)
    assert after == datetime(2026, 11, 3, 6, 0, tzinfo=timezone.utc)
    assert schedule.due_on(date(2026, 9, 1), 62) == date(2026, 11, 2)


def test_overdue_is_derived_from_the_due_moment_and_the_status():
    due = datetime(2027, 3, 1, 6, tzinfo=timezone.utc)
    assert not schedule.is_overdue("pending", due, due - timedelta(seconds=1))
    assert schedule.is_overdue("pending", due, due)
    assert schedule.is_overdue("changes_requested", due, due + timedelta(days=3))
    assert not schedule.is_overdue("submitted", due, due + timedelta(days=3))
    assert not schedule.is_overdue("approved", due, due + timedelta(days=3))


def test_reminders_fall_on_local_days_and_only_the_latest_is_owed():
    due = date(2026, 11, 10)
    assert schedule.reminder_owed(due, date(2026, 11, 2)) is None
    assert schedule.reminder_owed(due, date(2026, 11, 3)) == "due_in_7_days"
    assert schedule.reminder_owed(due, date(2026, 11, 9)) == "due_in_1_day"
    assert schedule.reminder_owed(due, date(2026, 11, 10)) == "due_in_1_day"
    assert schedule.reminder_owed(due, date(2026, 11, 11)) == "overdue"
    assert schedule.reminder_owed(due, date(2026, 11, 24)) == "overdue"
    assert schedule.reminder_owed(due, date(2026, 11, 25)) is None  # late for over two weeks: not announced
    # The reminders of a day go out from 08:00 local: in Chicago, the day after the change back
    # to standard time, 13:59 UTC is still 07:59 of 2 November.
    assert schedule.reminder_day(datetime(2026, 11, 2, 13, 59, tzinfo=timezone.utc), "America/Chicago") == date(2026, 11, 1)
    assert schedule.reminder_day(datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc), "America/Chicago") == date(2026, 11, 2)


def test_the_stakeholder_rule_names_the_missing_groups_in_order():
    assert schedule.missing_groups([]) == list(REQUIRED_GROUPS)
    assert schedule.missing_groups(["parents", "community_members", "teachers"]) == [
        StakeholderGroup.students, StakeholderGroup.school_leaders]
    assert schedule.missing_groups(["teachers", "students", "parents", "school_leaders"]) == []


def test_months_are_added_to_the_end_of_a_short_month():
    assert schedule.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert schedule.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert schedule.add_months(date(2026, 12, 15), 6) == date(2027, 6, 15)


def test_the_counts_of_the_grid():
    now = datetime(2027, 3, 1, tzinfo=timezone.utc)
    late, later = now - timedelta(days=1), now + timedelta(days=1)
    counted = schedule.counts([("pending", late), ("pending", later), ("submitted", late), ("approved", late),
                               ("changes_requested", late)], now)
    assert (counted.on_time, counted.overdue, counted.awaiting_review, counted.approved, counted.total) == (1, 2, 1, 1, 5)


def test_a_cohort_gives_every_team_the_template_with_real_due_dates(incubation):
    cohort = incubation.cohort
    assert len(cohort.teams) == 2
    plan = incubation.teams[0].milestones
    assert [m.title for m in plan][:2] == ["Design-thinking training", "Community input sessions"]
    assert len(plan) == 7
    assert plan[0].due_on == cohort.starts_on + timedelta(days=21)
    assert plan[0].due_at == schedule.due_moment(plan[0].due_on, "America/Chicago")
    assert cohorts.candidates(incubation.challenge) == [incubation.applications[2]]


def test_a_cohort_takes_only_selected_teams(incubation):
    third = incubation.applications[2]
    third.status = "waitlisted"
    with pytest.raises(ValidationFailed):
        cohorts.create_cohort(incubation.challenge, name="Late", starts_on=date(2027, 1, 4),
                              application_ids=[third.id], coach_ids=[], actor=incubation.staff,
                              now=datetime.now(timezone.utc))


def test_who_sees_a_team_in_a_cohort(incubation, make_incubation_world, org, make_user):
    first, second = incubation.teams
    assert can(incubation.lead(0), "view", first) and can(incubation.member(0), "hand_in", first)
    assert not can(incubation.lead(0), "view", second)
    assert can(incubation.coach, "view", first) and can(incubation.coach, "coach", first)
    assert can(incubation.staff, "view", first) and not can(incubation.staff, "hand_in", first)
    other = make_incubation_world(org, incubation.staff, teams=1)
    assert not can(other.coach, "view", first) and not can(other.coach, "view", incubation.cohort)
    assert not can(make_user("nobody@example.org"), "view", first)
