"""Staff move a team's due dates: every milestone not approved by a number of days, or one
milestone to a day. The local date and the UTC moment move together, across daylight saving
too; approved milestones stay; nothing before the cohort's start."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import dates, lifecycle, schedule
from incubator.incubation.states import MilestoneStatus


def _approve(milestone, actor):
    now = utcnow()
    lifecycle.move_milestone(milestone, MilestoneStatus.submitted, actor=actor, now=now, activity="Submitted",
                             submitted_at=now)
    lifecycle.move_milestone(milestone, MilestoneStatus.approved, actor=actor, now=now, activity="Approved",
                             approved_at=now)
    db.session.commit()


def _stamp(client, cohort_team) -> str:
    page = client.get(f"/incubation/teams/{cohort_team.id}/dates").text
    return re.search(r'name="stamp" type="hidden" value="([0-9a-f]+)"', page).group(1)


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_page_lists_the_milestones_with_their_dates(make_client, incubation):
    team = incubation.teams[0]
    text = make_client(incubation.staff).get(f"/incubation/teams/{team.id}/dates").text
    for milestone in team.milestones:
        assert milestone.title in text and milestone.due_on.strftime("%-d %B %Y") in text
    assert "America/Chicago" in text


def test_shifting_moves_every_milestone_not_approved_and_keeps_the_approved_one(make_client, incubation):
    team = incubation.teams[0]
    approved = incubation.milestone(0, "Design")
    _approve(approved, incubation.staff)
    before = {m.id: m.due_on for m in team.milestones}
    other_before = [(m.due_on, m.due_at) for m in incubation.teams[1].milestones]
    client = make_client(incubation.staff)
    response = client.post(f"/incubation/teams/{team.id}/dates", data={"days": "14", "stamp": _stamp(client, team)})
    assert response.status_code == 302
    db.session.expire_all()
    for milestone in team.milestones:
        expected = before[milestone.id] + (timedelta(0) if milestone.id == approved.id else timedelta(days=14))
        assert milestone.due_on == expected
        assert milestone.due_at == schedule.due_moment(expected, "America/Chicago")
    assert [(m.due_on, m.due_at) for m in incubation.teams[1].milestones] == other_before  # another team's
    event = _events("incubation.dates_shifted")[-1]
    assert event.details["days"] == 14 and event.details["milestones"] == 6
    change = event.details["changes"][0]
    assert change["from"] == (date.fromisoformat(change["to"]) - timedelta(days=14)).isoformat()
    assert "Due date moved 14 days later" in {m.last_activity for m in team.milestones}


def test_a_shift_across_the_daylight_saving_change_keeps_local_midnight(make_client, make_incubation_world, org,
                                                                        staff):
    # Chicago leaves daylight saving on 1 Nov 2026: a milestone due 30 Oct is late at 05:00 UTC on the 31st;
    # moved a week later (6 Nov) it is late at 06:00 UTC on the 7th, a week and an hour later in UTC.
    world = make_incubation_world(org, staff, teams=1, starts_on=date(2026, 10, 9))
    team = world.teams[0]
    training = world.milestone(0, "Design")  # due 21 days after the start: 30 Oct 2026
    assert training.due_on == date(2026, 10, 30)
    assert training.due_at == datetime(2026, 10, 31, 5, tzinfo=timezone.utc)
    client = make_client(staff)
    assert client.post(f"/incubation/teams/{team.id}/dates",
                       data={"days": "7", "stamp": _stamp(client, team)}).status_code == 302
    db.session.expire_all()
    assert training.due_on == date(2026, 11, 6)
    assert training.due_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 7, 6, tzinfo=timezone.utc)
    # And one milestone set back across the change in spring (8 Mar 2027), on its own form.
    pilot = world.milestone(0, "Prototype")
    response = client.post(f"/incubation/milestones/{pilot.id}/due-date",
                           data={f"m{pilot.id}-due_on": "2027-03-14", f"m{pilot.id}-was": pilot.due_on.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert pilot.due_on == date(2027, 3, 14)
    assert pilot.due_at.replace(tzinfo=timezone.utc) == datetime(2027, 3, 15, 5, tzinfo=timezone.utc)  # CDT


def test_one_milestone_gets_a_new_date_with_the_old_and_new_in_the_audit(make_client, incubation):
    milestone = incubation.milestone(0, "Community")
    old = milestone.due_on
    new = old + timedelta(days=3)
    response = make_client(incubation.staff).post(
        f"/incubation/milestones/{milestone.id}/due-date",
        data={f"m{milestone.id}-due_on": new.isoformat(), f"m{milestone.id}-was": old.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    assert milestone.due_on == new and milestone.due_at == schedule.due_moment(new, "America/Chicago")
    event = _events("incubation.due_date_set")[-1]
    assert (event.object_id, event.details["due_on_was"], event.details["due_on"]) == (milestone.id, old.isoformat(),
                                                                                       new.isoformat())


@pytest.mark.parametrize("days,message", [
    ("10000", "at most 366 days"),
    ("-10000", "at most 366 days"),
    ("0", "A shift of 0 days changes nothing"),
    ("", "Enter the number of days"),
    ("seven", "whole number of days"),
    ("1.5", "whole number of days"),
    ("1e3", "whole number of days"),
    ("99999999999999999999999", "whole number of days"),
    ("-60", "before the cohort starts"),
])
def test_bad_shifts_are_refused_and_no_date_moves(make_client, incubation, days, message):
    team = incubation.teams[0]
    before = [(m.due_on, m.due_at) for m in team.milestones]
    client = make_client(incubation.staff)
    response = client.post(f"/incubation/teams/{team.id}/dates", data={"days": days, "stamp": _stamp(client, team)})
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert [(m.due_on, m.due_at) for m in team.milestones] == before
    assert _events("incubation.dates_shifted") == []


def test_a_shift_from_a_stale_page_is_refused(make_client, incubation):
    """Two staff shifting the same week at once do not add their shifts up."""
    team = incubation.teams[0]
    client = make_client(incubation.staff)
    stamp = _stamp(client, team)
    assert client.post(f"/incubation/teams/{team.id}/dates", data={"days": "7", "stamp": stamp}).status_code == 302
    response = client.post(f"/incubation/teams/{team.id}/dates", data={"days": "7", "stamp": stamp})
    assert response.status_code == 422 and "changed" in response.text
    db.session.expire_all()
    assert len(_events("incubation.dates_shifted")) == 1
    for forged in ("", "x" * 500):
        assert client.post(f"/incubation/teams/{team.id}/dates",
                           data={"days": "7", "stamp": forged}).status_code == 422


@pytest.mark.parametrize("value,message", [
    ("tomorrow", "Enter a date like 2027-01-04"),
    ("", "Enter the new due date"),
    ("2026-02-30", "Enter a date like 2027-01-04"),
    ("9999-12-31", "between the years 1900 and 2999"),
    ("2001-01-01", "before the cohort starts"),
    ("2990-01-01", "more than a year after the cohort ends"),
])
def test_bad_dates_for_one_milestone_are_refused(make_client, incubation, value, message):
    milestone = incubation.milestone(0, "Community")
    before = (milestone.due_on, milestone.due_at)
    response = make_client(incubation.staff).post(
        f"/incubation/milestones/{milestone.id}/due-date",
        data={f"m{milestone.id}-due_on": value, f"m{milestone.id}-was": milestone.due_on.isoformat()})
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert (milestone.due_on, milestone.due_at) == before


def test_a_stale_date_or_an_approved_milestone_is_not_moved(make_client, incubation):
    milestone = incubation.milestone(0, "Community")
    client = make_client(incubation.staff)
    target = (milestone.due_on + timedelta(days=2)).isoformat()
    response = client.post(f"/incubation/milestones/{milestone.id}/due-date",
                           data={f"m{milestone.id}-due_on": target, f"m{milestone.id}-was": "2020-01-01"})
    assert response.status_code == 422 and "changed" in response.text
    approved = incubation.milestone(0, "Design")
    _approve(approved, incubation.staff)
    response = client.post(f"/incubation/milestones/{approved.id}/due-date",
                           data={f"m{approved.id}-due_on": target, f"m{approved.id}-was": approved.due_on.isoformat()})
    assert response.status_code == 422 and "is approved" in response.text
    assert _events("incubation.due_date_set") == []


def test_every_milestone_approved_leaves_nothing_to_shift(incubation):
    from incubator.core.errors import ValidationFailed

    team = incubation.teams[0]
    for milestone in team.milestones:
        _approve(milestone, incubation.staff)
    with pytest.raises(ValidationFailed, match="no due date left"):
        dates.shift_team(team, 3, actor=incubation.staff, now=utcnow())
    db.session.rollback()


def test_only_staff_of_the_organisation_move_dates(make_client, make_user, grant_role, make_org, incubation,
                                                  make_incubation_world):
    other = make_incubation_world(incubation.org)
    elsewhere = grant_role(make_user("else@example.org"), make_org("Elsewhere"), Role.program_staff)
    team, milestone = incubation.teams[0], incubation.milestone(0, "Community")
    before = [(m.due_on, m.due_at) for m in team.milestones]
    for person in (incubation.coach, other.coach, incubation.member(0), incubation.lead(1), elsewhere):
        client = make_client(person)
        assert client.get(f"/incubation/teams/{team.id}/dates").status_code == 404
        assert client.post(f"/incubation/teams/{team.id}/dates", data={"days": "5"}).status_code == 404
        assert client.post(f"/incubation/milestones/{milestone.id}/due-date",
                           data={f"m{milestone.id}-due_on": "2027-06-01"}).status_code == 404
    assert make_client().get(f"/incubation/teams/{team.id}/dates").status_code == 404
    db.session.expire_all()
    assert [(m.due_on, m.due_at) for m in team.milestones] == before
