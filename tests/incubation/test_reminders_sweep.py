"""Milestone reminders: 7 days before, the day before and once overdue, each sent once to every
member of the team, on the right local day, whoever runs the sweep and however often."""
from datetime import date, timedelta

import pytest

from incubator.core import digests
from incubator.core.digests import NoticeMode
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import jobs, schedule
from incubator.incubation.lifecycle import move_cohort_team, move_milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus
from tests.incubation.reminders_kit import at_local, claims, kept, only_due, outbox, set_due, subjects

DUE = date(2026, 4, 15)  # a Wednesday, far from a daylight-saving change


def test_each_reminder_goes_out_once_on_its_day_to_every_member(incubation):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    lead, member = incubation.lead(0), incubation.member(0)
    steps = [
        (at_local(DUE - timedelta(days=8), 12), []),
        (at_local(DUE - timedelta(days=7), 7, 59), []),                         # before the morning hour
        (at_local(DUE - timedelta(days=7), 8), ["due in 7 days"]),
        (at_local(DUE - timedelta(days=7), 20), []),                            # the same day again
        (at_local(DUE - timedelta(days=3), 9), []),
        (at_local(DUE - timedelta(days=1), 8, 30), ["due tomorrow"]),
        (at_local(DUE, 23, 59), []),                                            # due by the end of the day
        (at_local(DUE + timedelta(days=1), 8), ["overdue"]),
        (at_local(DUE + timedelta(days=1), 9), []),
        (at_local(DUE + timedelta(days=30), 9), []),
    ]
    expected = []
    for now, new in steps:
        assert jobs.send_milestone_reminders(now) == len(new), now
        expected += new
        for person in (lead, member):
            assert [s.split(" is ")[1].split(" (")[0] for s in subjects(person.email)] == expected
    assert subjects(incubation.lead(1).email) == []  # the other team has nothing due
    assert [c[0] for c in claims()] == ["incubation.reminder.due_in_7_days", "incubation.reminder.due_in_1_day",
                                        "incubation.reminder.overdue"]


def test_the_mail_names_the_milestone_its_day_and_links_to_it(incubation, mailbox, run_jobs):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    jobs.send_milestone_reminders(at_local(DUE - timedelta(days=7), 9))
    run_jobs(["mail"])
    message = mailbox.last(incubation.member(0).email)
    school = incubation.teams[0].school_name
    assert message["Subject"] == f"Community input sessions is due in 7 days ({school})"
    body = mailbox.body(message)
    assert "due in 7 days, on Wednesday 15 April 2026" in body
    assert f"http://localhost/incubation/milestones/{milestone.id}" in body
    assert "http://localhost/account/notifications" in body
    assert len(mailbox.to(incubation.lead(0).email)) == 1


def test_a_milestone_planned_late_gets_only_the_latest_reminder(incubation):
    soon, late = incubation.milestone(0, "Community"), incubation.milestone(0, "Prototype")
    only_due(incubation, (soon, DUE), (late, DUE - timedelta(days=10)))
    now = at_local(DUE - timedelta(days=3), 9)
    assert jobs.send_milestone_reminders(now) == 2
    assert sorted(subjects(incubation.lead(0).email)) == [
        f"Community input sessions is due in 3 days ({incubation.teams[0].school_name})",
        f"Prototype pilot is overdue ({incubation.teams[0].school_name})"]
    # Neither is told again what it was told, and the overdue one is not told it is "due soon".
    assert jobs.send_milestone_reminders(now + timedelta(hours=5)) == 0


@pytest.mark.parametrize("status", [MilestoneStatus.submitted, MilestoneStatus.approved])
def test_a_milestone_handed_in_gets_no_reminder(incubation, status):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    move_milestone(milestone, MilestoneStatus.submitted, actor=incubation.lead(0), now=utcnow(), activity="Submitted",
                   submitted_at=utcnow())
    if status == MilestoneStatus.approved:
        db.session.refresh(milestone)
        move_milestone(milestone, MilestoneStatus.approved, actor=incubation.staff, now=utcnow(), activity="Approved",
                       approved_at=utcnow())
    db.session.commit()
    for days in (-7, -1, 1, 10):
        assert jobs.send_milestone_reminders(at_local(DUE + timedelta(days=days), 9)) == 0
    assert outbox() == []


def test_changes_requested_is_open_again_and_is_reminded(incubation):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    move_milestone(milestone, MilestoneStatus.submitted, actor=incubation.lead(0), now=utcnow(), activity="Submitted",
                   submitted_at=utcnow())
    db.session.refresh(milestone)
    move_milestone(milestone, MilestoneStatus.changes_requested, actor=incubation.staff, now=utcnow(),
                   activity="Changes requested")
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=1), 9)) == 1
    assert "the program team asked for changes" in outbox(incubation.lead(0).email)[0].body_text


def test_a_team_that_left_or_has_its_outcome_gets_none(incubation):
    left, decided = incubation.teams
    only_due(incubation, (incubation.milestone(0, "Community"), DUE), (incubation.milestone(1, "Community"), DUE))
    move_cohort_team(left, CohortTeamStatus.left, actor=incubation.staff, action="incubation.team_left",
                     left_at=utcnow(), left_reason="Moved away")
    decided.outcome, decided.outcome_at, decided.outcome_rationale = "continue_incubating", utcnow(), "More time"
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE + timedelta(days=1), 9)) == 0
    assert outbox() == []


def test_a_deactivated_member_is_not_mailed(incubation):
    only_due(incubation, (incubation.milestone(0, "Community"), DUE))
    incubation.member(0).is_deactivated = True
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=1), 9)) == 1
    assert [m.recipient for m in outbox()] == [incubation.lead(0).email]


def test_a_shifted_date_gets_reminders_for_the_new_date_never_twice_for_one_date(incubation):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=7), 9)) == 1
    # Staff give the team two more weeks: the new date is reminded 7 days, 1 day before and when late.
    new = DUE + timedelta(days=14)
    set_due(milestone, new)
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=1), 9)) == 0  # the old date is gone
    assert jobs.send_milestone_reminders(at_local(DUE + timedelta(days=1), 9)) == 0
    assert jobs.send_milestone_reminders(at_local(new - timedelta(days=7), 9)) == 1
    assert jobs.send_milestone_reminders(at_local(new - timedelta(days=7), 10)) == 0
    assert jobs.send_milestone_reminders(at_local(new - timedelta(days=1), 9)) == 1
    assert jobs.send_milestone_reminders(at_local(new + timedelta(days=1), 9)) == 1
    mails = subjects(incubation.lead(0).email)
    assert [s.split(" is ")[1].split(" (")[0] for s in mails] == ["due in 7 days", "due in 7 days", "due tomorrow",
                                                                 "overdue"]
    assert "on Wednesday 29 April 2026" in outbox(incubation.lead(0).email)[1].body_text
    # Moved back to the first date: that date's reminder already went, so it is not sent again.
    set_due(milestone, DUE)
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=7), 9)) == 0


@pytest.mark.parametrize("due, tz", [
    (date(2026, 3, 9), "America/Chicago"),    # the day after clocks go forward (8 March)
    (date(2026, 3, 8), "America/Chicago"),    # the 23-hour day itself
    (date(2026, 11, 2), "America/Chicago"),   # the day after clocks go back (1 November)
    (date(2026, 3, 30), "Europe/Berlin"),     # Europe changes on 29 March
])
def test_across_a_daylight_saving_change_each_reminder_falls_on_the_right_local_day(make_incubation_world,
                                                                                 make_org, due, tz):
    organisation = make_org("Across Time", slug=f"dst-{due.isoformat()}-{tz.split('/')[1].lower()}", timezone=tz)
    world = make_incubation_world(organisation, teams=1)
    milestone = world.milestone(0, "Community")
    only_due(world, (milestone, due))
    for days, kind in ((-7, "due_in_7_days"), (-1, "due_in_1_day"), (1, "overdue")):
        day = due + timedelta(days=days)
        # A minute before the local morning hour of that day: nothing; on the hour: that reminder.
        assert jobs.send_milestone_reminders(at_local(day, schedule.REMINDER_HOUR - 1, 59, tz=tz)) == 0, (kind, day)
        assert jobs.send_milestone_reminders(at_local(day, schedule.REMINDER_HOUR, 0, tz=tz)) == 1, (kind, day)
        assert claims()[-1][0] == f"incubation.reminder.{kind}"
    # The milestone is late from the local midnight after its day, whatever the offset was.
    assert milestone.due_at == at_local(due + timedelta(days=1), 0, tz=tz)


def test_a_daily_digest_member_gets_the_reminder_kept_not_mailed(incubation):
    only_due(incubation, (incubation.milestone(0, "Community"), DUE))
    member = incubation.member(0)
    digests.set_mode(member, NoticeMode.daily, actor=member)
    db.session.commit()
    assert jobs.send_milestone_reminders(at_local(DUE - timedelta(days=1), 9)) == 1
    assert outbox(member.email) == []
    assert [i.subject for i in kept(member)] == [
        f"Community input sessions is due tomorrow ({incubation.teams[0].school_name})"]
    assert len(outbox(incubation.lead(0).email)) == 1


def test_a_sweep_that_fails_half_way_then_a_rerun_sends_every_reminder_once(make_incubation_world, org, staff,
                                                                             monkeypatch):
    world = make_incubation_world(org, staff, teams=5)
    only_due(world, *[(world.milestone(i, "Community"), DUE) for i in range(5)])
    now = at_local(DUE - timedelta(days=1), 9)
    third_lead = world.lead(2)
    real_notify = digests.notify_many

    def failing(outgoing, **kwargs):
        if any(notice.user.id == third_lead.id for notice in outgoing):
            raise ConnectionError("the mail store went away")
        return real_notify(outgoing, **kwargs)

    monkeypatch.setattr(digests, "notify_many", failing)
    with pytest.raises(ConnectionError):
        jobs.send_milestone_reminders(now, batch=2)
    db.session.rollback()
    # The first batch (teams 1 and 2) was committed with its mail; nothing of the failed batch was.
    assert {m.recipient for m in outbox()} == {world.lead(0).email, world.member(0).email, world.lead(1).email,
                                               world.member(1).email}
    assert len(claims()) == 2
    monkeypatch.setattr(digests, "notify_many", real_notify)
    assert jobs.send_milestone_reminders(now + timedelta(minutes=5), batch=2) == 3
    assert jobs.send_milestone_reminders(now + timedelta(hours=1), batch=2) == 0
    for i in range(5):
        for person in (world.lead(i), world.member(i)):
            assert len(outbox(person.email)) == 1, person.email
    assert len(claims()) == 5


def test_the_owed_reminders_are_read_in_sql_and_a_repeat_sweep_reads_nothing(incubation, count_statements):
    only_due(incubation, (incubation.milestone(0, "Community"), DUE), (incubation.milestone(1, "Community"), DUE))
    now = at_local(DUE - timedelta(days=1), 9)
    assert len(jobs.owed_reminders(now)) == 2
    jobs.send_milestone_reminders(now)
    assert jobs.owed_reminders(now) == []
    # The repeat sweep: the organisations, then one query for what is owed (nothing): no per-milestone work.
    assert count_statements(lambda: jobs.send_milestone_reminders(now)) <= 3


def test_a_milestone_found_long_late_is_not_announced_as_overdue(incubation):
    recent, old = incubation.milestone(0, "Community"), incubation.milestone(0, "Prototype")
    only_due(incubation, (recent, DUE - timedelta(days=jobs.OVERDUE_WITHIN_DAYS)),
             (old, DUE - timedelta(days=jobs.OVERDUE_WITHIN_DAYS + 1)))
    assert jobs.owed_reminders(at_local(DUE, 9)) == [(recent.id, "overdue")]


@pytest.mark.parametrize("days, kind", [(9, None), (8, None), (7, "due_in_7_days"), (2, "due_in_7_days"),
                                        (1, "due_in_1_day"), (0, "due_in_1_day"), (-1, "overdue"),
                                        (-jobs.OVERDUE_WITHIN_DAYS, "overdue"), (-jobs.OVERDUE_WITHIN_DAYS - 1, None)])
def test_the_rule_as_a_table(days, kind):
    """Due `days` after the local day whose reminder hour has come: the reminder owed then."""
    assert schedule.reminder_owed(DUE + timedelta(days=days), DUE) == kind


def test_the_database_asks_what_the_rule_says(make_incubation_world, org, staff):
    """Milestones due on each day from three weeks before to ten days after: the SQL of the sweep
    owes each the reminder of the pure rule."""
    world = make_incubation_world(org, staff, teams=5)
    milestones = [m for team in world.teams for m in team.milestones]
    pairs = list(zip(milestones, [DUE + timedelta(days=d) for d in range(-21, 11)]))
    assert len(pairs) == 32
    only_due(world, *pairs)
    owed = dict(jobs.owed_reminders(at_local(DUE, 9)))
    for milestone, due in pairs:
        assert owed.get(milestone.id) == schedule.reminder_owed(due, DUE), due
    assert len(owed) == 14 + 2 + 6  # late up to two weeks; due today or tomorrow; due in 2 to 7 days


def test_a_day_before_reminder_that_could_not_go_out_the_day_before_says_today(incubation):
    milestone = incubation.milestone(0, "Community")
    only_due(incubation, (milestone, DUE))
    assert jobs.send_milestone_reminders(at_local(DUE, 9)) == 1  # the worker was down on the day before
    [message] = outbox(incubation.lead(0).email)
    assert message.subject == f"Community input sessions is due today ({incubation.teams[0].school_name})"
    assert "is due today, Wednesday 15 April 2026" in message.body_text
