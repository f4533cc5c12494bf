"""The stakeholder input log: the team logs who it heard from; the page says which of the four
required groups are still missing before the community-input milestone can be submitted."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.models import TeamMember
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import stakeholders
from incubator.incubation.models import StakeholderEntry
from incubator.incubation.states import CohortTeamStatus, MilestoneKind


def today(world):
    return local(utcnow(), world.org.timezone).date()


def entry_form(world, **overrides):
    values = {"group": "parents", "held_on": (today(world) - timedelta(days=3)).isoformat(), "method": "focus_group",
              "participants": "12", "takeaways": "Parents want a longer day and a clear bus plan.",
              "design_changes": "Added an after-school block."}
    values.update(overrides)
    return values


def url(cohort_team, suffix=""):
    return f"/incubation/teams/{cohort_team.id}/stakeholders{suffix}"


def add(world, index=0, **values):
    """An entry made through the service, as the lead of team `index`."""
    defaults = dict(group="teachers", held_on=today(world) - timedelta(days=1), method="interview", participants=3,
                    takeaways="Teachers asked for planning time.", design_changes="")
    defaults.update(values)
    entry = stakeholders.add_entry(world.teams[index], actor=world.lead(index), now=utcnow(), **defaults)
    db.session.commit()
    return entry


def entries_of(cohort_team):
    return db.session.scalars(sa.select(StakeholderEntry).filter_by(cohort_team_id=cohort_team.id)).all()


def actions(action):
    return db.session.scalars(sa.select(AuditEvent).filter_by(action=action)).all()


def community_milestone(world, index=0):
    return next(m for m in world.teams[index].milestones if m.kind == MilestoneKind.community_input)


def leave(cohort_team):
    cohort_team.status, cohort_team.left_at, cohort_team.left_reason = CohortTeamStatus.left, utcnow(), "Moved away"
    db.session.commit()


# ---- the team logs, everyone who may see the team reads -------------------------------------------


def test_a_team_member_logs_a_session_and_sees_it_on_the_page(incubation, make_client):
    team = incubation.teams[0]
    member = make_client(incubation.member(0))
    response = member.post(url(team), data=entry_form(incubation))
    assert response.status_code == 302
    [entry] = entries_of(team)
    assert (entry.group, entry.method, entry.participants) == ("parents", "focus_group", 12)
    assert entry.held_on == today(incubation) - timedelta(days=3)
    assert entry.created_by_id == incubation.member(0).id
    [event] = actions("incubation.stakeholder_added")
    assert (event.object_type, event.object_id, event.details["group"]) == ("CohortTeam", team.id, "parents")
    milestone = community_milestone(incubation)
    db.session.refresh(milestone)
    assert milestone.last_activity == "Stakeholder entry: parents"
    page = member.get(response.headers["Location"]).text
    assert "Logged the session with parents." in page
    assert "Parents want a longer day and a clear bus plan." in page and "Added an after-school block." in page
    assert "Focus group · 12 participants" in page


def test_coaches_and_staff_read_the_log_but_cannot_add_to_it(incubation, make_client):
    team = incubation.teams[0]
    add(incubation, group="students", takeaways="Students want projects.")
    for person in (incubation.coach, incubation.staff):
        browser = make_client(person)
        page = browser.get(url(team))
        assert page.status_code == 200 and "Students want projects." in page.text
        assert "Log a session with stakeholders" not in page.text and "Delete" not in page.text
        assert browser.post(url(team), data=entry_form(incubation)).status_code == 404
        entry = entries_of(team)[0]
        assert browser.post(url(team, f"/{entry.id}/edit"), data=entry_form(incubation)).status_code == 404
        assert browser.post(url(team, f"/{entry.id}/delete")).status_code == 404
    assert [e.group for e in entries_of(team)] == ["students"]


def test_the_coverage_line_names_the_groups_still_missing(incubation, make_client):
    team = incubation.teams[0]
    browser = make_client(incubation.lead(0))
    page = browser.get(url(team)).text
    assert "Still missing: teachers, students, parents and school leaders." in page
    assert "“Community input sessions” can be submitted" in page
    add(incubation, group="teachers")
    add(incubation, group="parents", participants=12)
    add(incubation, group="parents", participants=8)
    add(incubation, group="community_members", participants=40)  # not one of the four
    page = browser.get(url(team)).text
    assert "Still missing: students and school leaders." in page
    coverage = stakeholders.coverage_of(team)
    assert coverage["parents"] == (2, 20) and coverage["community_members"] == (1, 40)
    assert coverage["students"] == (0, 0)
    add(incubation, group="students")
    assert "Still missing: school leaders." in browser.get(url(team)).text
    add(incubation, group="school_leaders")
    page = browser.get(url(team)).text
    assert "Still missing" not in page and "All four required groups are covered" in page


def test_the_coverage_table_counts_entries_and_participants_per_group(incubation, make_client):
    add(incubation, group="parents", participants=12)
    add(incubation, group="parents", participants=1200)
    page = make_client(incubation.coach).get(url(incubation.teams[0])).text
    row = page[page.index(">Parents</a>"):]
    row = row[:row.index("</tr>")]
    assert '<td class="num">2</td><td class="num">1,212</td>' in row and "Covered" in row
    school_leaders = page[page.index(">School leaders</a>"):]
    assert "Missing (required)" in school_leaders[:school_leaders.index("</tr>")]


def test_entries_are_newest_first_filtered_by_group_and_paginated_past_50(incubation, make_client):
    team = incubation.teams[0]
    start = today(incubation) - timedelta(days=60)
    for n in range(51):
        db.session.add(StakeholderEntry(cohort_team_id=team.id, group="teachers", held_on=start + timedelta(days=n),
                                        method="survey", participants=1, takeaways=f"Takeaway number {n:02d}."))
    db.session.add(StakeholderEntry(cohort_team_id=team.id, group="parents", held_on=start, method="survey",
                                    participants=1, takeaways="The only parents entry."))
    db.session.commit()
    browser = make_client(incubation.lead(0))
    first = browser.get(url(team)).text
    assert first.index("Takeaway number 50.") < first.index("Takeaway number 49.")
    assert first.count('class="panel" id="entry-') == 50 and "Page 1 of 2 (52 in all)" in first
    second = browser.get(url(team, "?page=2")).text
    assert second.count('class="panel" id="entry-') == 2 and "Takeaway number 00." in second
    parents = browser.get(url(team, "?group=parents")).text
    assert "The only parents entry." in parents and "Takeaway number" not in parents
    assert "No entries on students yet." in browser.get(url(team, "?group=students")).text
    everything = browser.get(url(team, "?group=janitors")).text  # an unknown filter shows every group
    assert "Page 1 of 2 (52 in all)" in everything


def test_an_empty_log_says_what_to_log(incubation, make_client):
    page = make_client(incubation.lead(0)).get(url(incubation.teams[0])).text
    assert "No sessions logged yet." in page and "Log a session with stakeholders" in page


# ---- editing and deleting ----------------------------------------------------------------------


def test_a_team_member_edits_an_entry(incubation, make_client):
    entry = add(incubation, group="teachers", participants=3)
    browser = make_client(incubation.member(0))
    form = browser.get(url(incubation.teams[0], f"/{entry.id}/edit"))
    assert form.status_code == 200 and 'value="3"' in form.text
    fingerprint = stakeholders.fingerprint_of(entry)
    assert f'value="{fingerprint}"' in form.text
    response = browser.post(url(incubation.teams[0], f"/{entry.id}/edit"),
                            data=entry_form(incubation, group="teachers", participants="30", fingerprint=fingerprint))
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.participants == 30 and entry.method == "focus_group"
    [event] = actions("incubation.stakeholder_edited")
    assert event.details["changed"] == ["design_changes", "held_on", "method", "participants", "takeaways"]
    db.session.refresh(community_milestone(incubation))
    assert community_milestone(incubation).last_activity == "Stakeholder entry edited: teachers"


def test_an_edit_over_a_version_changed_meanwhile_is_refused(incubation, make_client):
    entry = add(incubation, group="teachers", participants=3)
    seen = stakeholders.fingerprint_of(entry)
    entry.participants = 4  # another member saved first
    db.session.commit()
    browser = make_client(incubation.lead(0))
    response = browser.post(url(incubation.teams[0], f"/{entry.id}/edit"),
                            data=entry_form(incubation, participants="99", fingerprint=seen))
    assert response.status_code == 409 and "Someone else changed this entry" in response.text
    db.session.refresh(entry)
    assert entry.participants == 4 and not actions("incubation.stakeholder_edited")


def test_a_team_member_deletes_an_entry_after_confirming(incubation, make_client):
    entry = add(incubation, group="students")
    browser = make_client(incubation.lead(0))
    page = browser.get(url(incubation.teams[0])).text
    assert f'action="/incubation/teams/{incubation.teams[0].id}/stakeholders/{entry.id}/delete"' in page
    assert "data-confirm=\"Delete the entry on students of" in page
    response = browser.post(url(incubation.teams[0], f"/{entry.id}/delete"))
    assert response.status_code == 302
    assert entries_of(incubation.teams[0]) == []
    [event] = actions("incubation.stakeholder_deleted")
    assert event.details["group"] == "students"
    assert "Deleted the entry on students." in browser.get(response.headers["Location"]).text


# ---- who gets 404 ------------------------------------------------------------------------------


@pytest.fixture
def outsiders(incubation, make_incubation_world, make_org, org):
    """A coach of another cohort, a member of another team, staff of another organization."""
    other_cohort = make_incubation_world(org, incubation.staff, teams=1)
    other_org = make_incubation_world(make_org("Elsewhere Schools"), teams=1)
    return {"coach of another cohort": other_cohort.coach, "member of another team": incubation.member(1),
            "staff of another organization": other_org.staff, "lead of a team outside the cohort":
            incubation.applications[2].team.lead}


def test_everyone_else_gets_404_on_every_url_and_changes_nothing(incubation, outsiders, make_client):
    entry = add(incubation, group="teachers")
    team = incubation.teams[0]
    for who, person in outsiders.items():
        browser = make_client(person)
        for method, path in (("GET", url(team)), ("POST", url(team)), ("GET", url(team, f"/{entry.id}/edit")),
                             ("POST", url(team, f"/{entry.id}/edit")), ("POST", url(team, f"/{entry.id}/delete"))):
            response = browser.open(path, method=method, data=entry_form(incubation) if method == "POST" else None)
            assert response.status_code == 404, f"{who}: {method} {path}"
    assert [e.id for e in entries_of(team)] == [entry.id]
    db.session.refresh(entry)
    assert entry.participants == 3
    assert not actions("incubation.stakeholder_edited") and not actions("incubation.stakeholder_deleted")


def test_a_signed_out_visitor_is_offered_to_sign_in_and_learns_nothing(incubation, make_client):
    """As on every page about one object: 404 (the same as for a missing id), with a sign-in link."""
    entry = add(incubation)
    visitor = make_client()
    team = incubation.teams[0]
    for path in (url(team), url(team, f"/{entry.id}/edit"), f"/incubation/teams/{2**31 - 7}/stakeholders"):
        response = visitor.get(path)
        assert response.status_code == 404 and "/login?next=" in response.text, path
    for path in (url(team), url(team, f"/{entry.id}/edit"), url(team, f"/{entry.id}/delete")):
        assert visitor.post(path, data=entry_form(incubation)).status_code == 404
    assert len(entries_of(team)) == 1 and len(actions("incubation.stakeholder_added")) == 1


def test_an_entry_is_reached_only_through_its_own_team(incubation, make_client):
    """Someone on both teams cannot edit or delete team 1's entry through team 0's address."""
    both = incubation.lead(0)
    incubation.applications[1].team.members.append(TeamMember(user=both))
    db.session.commit()
    theirs = add(incubation, index=1, group="parents", participants=7)
    browser = make_client(both)
    first = incubation.teams[0]
    assert browser.get(url(first, f"/{theirs.id}/edit")).status_code == 404
    assert browser.post(url(first, f"/{theirs.id}/edit"), data=entry_form(incubation)).status_code == 404
    assert browser.post(url(first, f"/{theirs.id}/delete")).status_code == 404
    db.session.refresh(theirs)
    assert (theirs.participants, theirs.cohort_team_id) == (7, incubation.teams[1].id)
    assert browser.get(url(incubation.teams[1], f"/{theirs.id}/edit")).status_code == 200


def test_a_team_that_left_the_cohort_reads_its_log_but_cannot_change_it(incubation, make_client):
    entry = add(incubation, group="teachers", takeaways="Kept after leaving.")
    team = incubation.teams[0]
    leave(team)
    browser = make_client(incubation.lead(0))
    page = browser.get(url(team)).text
    assert "Kept after leaving." in page and "has left the cohort" in page
    assert "Log a session with stakeholders" not in page and "/delete" not in page
    response = browser.post(url(team), data=entry_form(incubation), follow_redirects=True)
    assert "its logs can be read but no longer changed" in response.text
    browser.post(url(team, f"/{entry.id}/edit"), data=entry_form(incubation, participants="50"))
    browser.post(url(team, f"/{entry.id}/delete"))
    assert [(e.id, e.participants) for e in entries_of(team)] == [(entry.id, 3)]
    assert len(actions("incubation.stakeholder_added")) == 1
    assert not actions("incubation.stakeholder_edited") and not actions("incubation.stakeholder_deleted")


# ---- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize("field,value,message", [
    ("group", "janitors", "Choose one of the groups in the list."),
    ("group", "", "Choose the group you heard from."),
    ("method", "seance", "Choose one of the methods in the list."),
    ("participants", "0", "Between 1 and 10,000."),
    ("participants", "-1", "Type a whole number"),
    ("participants", "10001", "Between 1 and 10,000."),
    ("participants", "many", "Type a whole number"),
    ("participants", "١٢", "Type a whole number"),
    ("participants", "99999999999999999999", "Type a whole number"),
    ("held_on", "next tuesday", "Type the date as year-month-day"),
    ("held_on", "2026-02-30", "Type the date as year-month-day"),
    ("takeaways", "", "Write down what you learned."),
    ("takeaways", "   ", "Write down what you learned."),
    ("takeaways", "x" * 5001, "At most 5,000 characters."),
    ("design_changes", "y" * 5001, "At most 5,000 characters."),
    ("takeaways", "Fine\x00words", "control characters"),
    ("design_changes", "Bad\x1bescape", "control characters"),
])
def test_hostile_input_is_refused_with_a_message_and_nothing_saved(incubation, make_client, field, value, message):
    browser = make_client(incubation.lead(0))
    response = browser.post(url(incubation.teams[0]), data=entry_form(incubation, **{field: value}))
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text  # next to the field, wired by aria-describedby
    assert entries_of(incubation.teams[0]) == [] and not actions("incubation.stakeholder_added")


def test_dates_must_be_past_and_not_long_before_the_cohort_started(incubation, make_client):
    browser = make_client(incubation.lead(0))
    team = incubation.teams[0]
    tomorrow = today(incubation) + timedelta(days=1)
    response = browser.post(url(team), data=entry_form(incubation, held_on=tomorrow.isoformat()))
    assert response.status_code == 422 and "This date is in the future" in response.text
    too_early = incubation.cohort.starts_on - timedelta(days=31)
    response = browser.post(url(team), data=entry_form(incubation, held_on=too_early.isoformat()))
    assert response.status_code == 422 and "more than 30 days before the cohort started" in response.text
    assert entries_of(team) == []
    for fine in (today(incubation), incubation.cohort.starts_on - timedelta(days=30)):
        assert browser.post(url(team), data=entry_form(incubation, held_on=fine.isoformat())).status_code == 302
    assert len(entries_of(team)) == 2


def test_the_service_checks_the_date_rule_itself(incubation):
    with pytest.raises(stakeholders.DateOutOfRange):
        stakeholders.add_entry(incubation.teams[0], actor=incubation.lead(0), now=utcnow(), group="parents",
                               held_on=today(incubation) + timedelta(days=2), method="survey", participants=2,
                               takeaways="Later", design_changes="")


def test_an_edit_with_hostile_input_changes_nothing(incubation, make_client):
    entry = add(incubation, group="teachers", participants=3)
    browser = make_client(incubation.lead(0))
    for field, value in (("participants", "0"), ("group", "janitors"), ("takeaways", "z" * 5001),
                         ("held_on", (today(incubation) + timedelta(days=5)).isoformat())):
        response = browser.post(url(incubation.teams[0], f"/{entry.id}/edit"),
                                data=entry_form(incubation, **{field: value}))
        assert response.status_code == 422, field
    db.session.refresh(entry)
    assert (entry.group, entry.participants) == ("teachers", 3)


def test_the_groups_in_words():
    from incubator.incubation.states import StakeholderGroup as G

    assert stakeholders.groups_in_words([G.teachers]) == "teachers"
    assert stakeholders.groups_in_words([G.teachers, G.parents]) == "teachers and parents"
    assert stakeholders.groups_in_words([G.students, G.parents, G.school_leaders]) == \
        "students, parents and school leaders"


def test_an_edit_of_an_entry_deleted_meanwhile_is_refused(incubation):
    entry = add(incubation, group="teachers")
    db.session.execute(sa.delete(StakeholderEntry).where(StakeholderEntry.id == entry.id))  # another request
    with pytest.raises(stakeholders.ChangedMeanwhile):
        stakeholders.edit_entry(entry, actor=incubation.lead(0), now=utcnow(), seen=None, group="parents",
                                held_on=today(incubation), method="survey", participants=2, takeaways="Late",
                                design_changes="")
