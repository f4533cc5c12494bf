"""A cohort's settings: rename it, change its length, its coaches, add a selected team later,
let a team leave with a reason and bring it back. Staff of the organisation only."""
import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.incubation.models import CohortCoach, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_the_page_shows_the_name_coaches_teams_and_who_can_be_added(make_client, incubation):
    text = make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/settings").text
    assert incubation.cohort.name in text and incubation.coach.name in text
    for team in incubation.teams:
        assert team.school_name in text and f"/incubation/teams/{team.id}/leave" in text
    assert incubation.applications[2].school_name in text  # selected, in no cohort: can be added


def test_staff_rename_a_cohort_and_change_its_length(make_client, incubation):
    cohort = incubation.cohort
    dates_before = sorted((m.id, m.due_on) for t in cohort.teams for m in t.milestones)
    response = make_client(incubation.staff).post(f"/incubation/cohorts/{cohort.id}/settings",
                                                  data={"name": "  Renamed   cohort ", "length_months": "9"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (cohort.name, cohort.length_months) == ("Renamed cohort", 9)
    assert sorted((m.id, m.due_on) for t in cohort.teams for m in t.milestones) == dates_before
    event = _events("incubation.cohort_updated")[-1]
    assert event.details["fields"] == ["name", "length_months"] and event.details["length_months_was"] == 6


@pytest.mark.parametrize("data,message", [
    ({"name": "", "length_months": "6"}, "Name the cohort"),
    ({"name": "x" * 201, "length_months": "6"}, "at most 200 characters"),
    ({"name": "Bad\x1bname", "length_months": "6"}, "not allowed"),
    ({"name": "Fine", "length_months": "0"}, "from 1 to 36 months"),
    ({"name": "Fine", "length_months": "37"}, "from 1 to 36 months"),
    ({"name": "Fine", "length_months": "6.5"}, "whole number of months"),
])
def test_bad_settings_are_refused_and_nothing_changes(make_client, incubation, data, message):
    client = make_client(incubation.staff)
    response = client.post(f"/incubation/cohorts/{incubation.cohort.id}/settings", data=data)
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert incubation.cohort.name.startswith("Spring cohort") and incubation.cohort.length_months == 6
    assert _events("incubation.cohort_updated") == []


def test_staff_add_and_remove_coaches_and_each_change_is_audited(make_client, make_user, grant_role, incubation):
    second = grant_role(make_user("coach2@example.org", name="Cora Coach"), incubation.org, Role.coach)
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/settings/coaches"
    assert client.post(url, data={"coach_ids": [str(second.id)]}).status_code == 302
    db.session.expire_all()
    assert [c.user_id for c in incubation.cohort.coaches] == [second.id]
    assert [e.details["coach"] for e in _events("incubation.coach_added")] == ["Cora Coach"]
    assert [e.details["coach"] for e in _events("incubation.coach_removed")] == [incubation.coach.name]
    # The coach removed no longer sees the cohort.
    assert make_client(incubation.coach).get(f"/incubation/cohorts/{incubation.cohort.id}").status_code == 404


def test_a_coach_must_hold_the_role(make_client, make_user, grant_role, make_org, incubation):
    reviewer = grant_role(make_user("rev@example.org"), incubation.org, Role.reviewer)
    away = grant_role(make_user("away@example.org"), make_org("Elsewhere"), Role.coach)
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/settings/coaches"
    for person in (reviewer, away):
        response = client.post(url, data={"coach_ids": [str(incubation.coach.id), str(person.id)]})
        assert response.status_code == 422 and "Choose among the coaches shown" in response.text
    response = client.post(url, data={"coach_ids": ["x"]})
    assert response.status_code == 422
    assert [c.user_id for c in db.session.scalars(sa.select(CohortCoach))] == [incubation.coach.id]
    assert _events("incubation.coach_added") == []


def test_a_coach_who_lost_the_role_can_still_be_removed(make_client, incubation):
    from incubator.accounts.models import Membership

    db.session.execute(sa.delete(Membership).where(Membership.user_id == incubation.coach.id))
    db.session.commit()
    client = make_client(incubation.staff)
    assert "no longer a coach" in client.get(f"/incubation/cohorts/{incubation.cohort.id}/settings").text
    assert client.post(f"/incubation/cohorts/{incubation.cohort.id}/settings/coaches", data={}).status_code == 302
    assert _count(CohortCoach) == 0


def test_staff_add_a_selected_team_later_and_are_sent_to_its_dates(make_client, incubation):
    late = incubation.applications[2]
    response = make_client(incubation.staff).post(f"/incubation/cohorts/{incubation.cohort.id}/settings/teams",
                                                  data={"application_id": str(late.id)})
    cohort_team = db.session.scalar(sa.select(CohortTeam).where(CohortTeam.application_id == late.id))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/incubation/teams/{cohort_team.id}/dates")
    assert len(cohort_team.milestones) == 7 and cohort_team.cohort_id == incubation.cohort.id
    assert _events("incubation.team_added")[-1].object_id == cohort_team.id


def test_a_team_that_is_not_waiting_cannot_be_added(make_client, make_incubation_world, incubation, org):
    other = make_incubation_world(org, incubation.staff, extra_selected=1)
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/settings/teams"
    for application_id in (str(incubation.applications[0].id), str(other.applications[2].id), "abc", "", "-1"):
        response = client.post(url, data={"application_id": application_id})
        assert response.status_code == 422, application_id
    assert len(incubation.cohort.teams) == 2


def test_a_team_leaves_with_a_reason_keeps_its_milestones_and_comes_back(make_client, incubation):
    team = incubation.teams[0]
    client = make_client(incubation.staff)
    page = client.get(f"/incubation/teams/{team.id}/leave")
    assert page.status_code == 200 and "Why does the team leave?" in page.text and "button danger" in page.text
    milestones = _count(Milestone)
    response = client.post(f"/incubation/teams/{team.id}/leave",
                           data={"reason": "The founders took other jobs.", "version": str(team.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert team.status == CohortTeamStatus.left and team.left_reason == "The founders took other jobs."
    assert team.left_at is not None and _count(Milestone) == milestones
    event = _events("incubation.team_left")[-1]
    assert (event.from_state, event.to_state, event.details["reason"]) == ("active", "left",
                                                                           "The founders took other jobs.")
    # The team can read its page but no longer hand in work.
    member = make_client(incubation.member(0))
    assert member.get(f"/incubation/teams/{team.id}").status_code == 200
    settings = client.get(f"/incubation/cohorts/{incubation.cohort.id}/settings").text
    assert "The founders took other jobs." in settings and "Bring back" in settings

    response = client.post(f"/incubation/teams/{team.id}/return", data={"version": str(team.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert team.status == CohortTeamStatus.active and team.left_reason is None
    assert _events("incubation.team_returned")[-1].details["left_reason"] == "The founders took other jobs."


@pytest.mark.parametrize("reason,message", [
    ("", "Say why the team leaves"),
    ("   ", "Say why the team leaves"),
    ("x" * 2001, "at most 2,000 characters"),
    ("Left\x00", "not allowed"),
])
def test_leaving_needs_a_proper_reason(make_client, incubation, reason, message):
    team = incubation.teams[0]
    response = make_client(incubation.staff).post(f"/incubation/teams/{team.id}/leave",
                                                  data={"reason": reason, "version": str(team.version)})
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert team.status == CohortTeamStatus.active and _events("incubation.team_left") == []


@pytest.mark.parametrize("version", ["0", "99", "", "abc", "1" * 40])
def test_a_stale_or_forged_version_changes_nothing(make_client, incubation, version):
    team = incubation.teams[0]
    response = make_client(incubation.staff).post(f"/incubation/teams/{team.id}/leave",
                                                  data={"reason": "Moving away", "version": version})
    assert response.status_code == 422 and "changed" in response.text
    db.session.expire_all()
    assert team.status == CohortTeamStatus.active


def test_bringing_back_a_team_that_is_in_the_cohort_is_refused(make_client, incubation):
    team = incubation.teams[0]
    response = make_client(incubation.staff).post(f"/incubation/teams/{team.id}/return",
                                                  data={"version": str(team.version)}, follow_redirects=True)
    assert "cannot be in the cohort" in response.text
    assert _events("incubation.team_returned") == []


def test_only_staff_of_the_organisation_reach_the_settings(make_client, make_user, grant_role, make_org, incubation,
                                                           make_incubation_world):
    other = make_incubation_world(incubation.org)
    elsewhere = grant_role(make_user("else@example.org"), make_org("Elsewhere"), Role.program_staff)
    cohort, team = incubation.cohort, incubation.teams[0]
    gets = [f"/incubation/cohorts/{cohort.id}/settings", f"/incubation/teams/{team.id}/leave"]
    posts = gets + [f"/incubation/cohorts/{cohort.id}/settings/coaches", f"/incubation/cohorts/{cohort.id}/settings/teams",
                    f"/incubation/teams/{team.id}/return"]
    for person in (incubation.coach, other.coach, incubation.member(0), incubation.lead(1), elsewhere):
        client = make_client(person)
        for url in gets:
            assert client.get(url).status_code == 404, (person.email, url)
        for url in posts:
            data = {"name": "Hijacked", "length_months": "2", "reason": "x", "version": "1",
                    "coach_ids": [str(person.id)], "application_id": str(incubation.applications[2].id)}
            assert client.post(url, data=data).status_code == 404, (person.email, url)
    visitor = make_client()
    assert all(visitor.get(url).status_code == 404 for url in gets)
    db.session.expire_all()
    assert cohort.name.startswith("Spring cohort") and len(cohort.teams) == 2 and team.is_active
