"""Program staff see their cohorts and make one from a challenge's selected teams; everyone
else sees only what is theirs, and the staff pages answer 404."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortTeam, Milestone


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _application(challenge, status=Status.selected, name="Extra"):
    team = Team(name=f"{name} team")
    application = Application(team=team, challenge=challenge, school_name=f"{name} School", status=status,
                              submitted_at=utcnow() - timedelta(days=50), screened_at=utcnow() - timedelta(days=40))
    db.session.add(application)
    db.session.commit()
    return application


@pytest.fixture
def waiting(make_incubation_world, org, staff):
    """A cohort of one team, and two more selected teams of the same challenge in no cohort."""
    return make_incubation_world(org, staff, teams=1, extra_selected=2)


def _form(world, **changes):
    data = {"name": "Fall 2027 cohort", "starts_on": "2027-01-04", "length_months": "6",
            "application_ids": [str(a.id) for a in world.applications[1:]], "coach_ids": [str(world.coach.id)]}
    data.update(changes)
    return data


# ---- the index ---------------------------------------------------------------------------------------


def test_staff_see_their_cohorts_and_the_challenges_waiting_for_one(make_client, waiting, make_org,
                                                                     make_incubation_world):
    elsewhere = make_incubation_world(make_org("Elsewhere"))
    page = make_client(waiting.staff).get("/incubation/")
    assert page.status_code == 200
    text = page.text
    assert waiting.cohort.name in text and waiting.challenge.title in text and waiting.coach.name in text
    assert elsewhere.cohort.name not in text
    assert f"/incubation/challenges/{waiting.challenge.id}/cohorts/new" in text and "2 selected teams" in text
    assert f"/incubation/organisations/{waiting.org.id}/template" in text
    assert f"/incubation/cohorts/{waiting.cohort.id}/settings" in text


def test_the_index_pages_through_many_cohorts(app, make_client, org, staff, make_incubation_world):
    world = make_incubation_world(org, staff, teams=1, extra_selected=3)
    for n in range(3):
        db.session.add(Cohort(organisation_id=org.id, challenge=world.challenge, name=f"Old cohort {n}",
                              starts_on=date(2020, 1, 1 + n)))
    db.session.commit()
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        client = make_client(staff)
        first, second = client.get("/incubation/").text, client.get("/incubation/?page=2").text
    finally:
        app.config["PAGE_SIZE"] = size
    assert world.cohort.name in first and "Page 1 of 2" in first and "Old cohort 0" not in first
    assert "Old cohort 0" in second and world.cohort.name not in second


def test_a_coach_sees_the_cohorts_they_coach_and_no_staff_links(make_client, incubation, make_incubation_world,
                                                                 org):
    other = make_incubation_world(org)
    text = make_client(incubation.coach).get("/incubation/").text
    assert incubation.cohort.name in text and other.cohort.name not in text
    assert "/settings" not in text and "cohorts/new" not in text and "Make a cohort" not in text


def test_a_team_member_gets_a_link_to_their_team_page(make_client, incubation):
    team = incubation.teams[0]
    text = make_client(incubation.member(0)).get("/incubation/").text
    assert f"/incubation/teams/{team.id}" in text and team.school_name in text
    assert incubation.teams[1].school_name not in text and "/settings" not in text


def test_someone_with_nothing_here_reads_what_incubation_is(make_client, make_user, incubation):
    text = make_client(make_user()).get("/incubation/").text
    assert "You are not in an incubation cohort" in text and incubation.cohort.name not in text


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/incubation/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- a new cohort ------------------------------------------------------------------------------------


def test_the_form_ticks_every_waiting_team_and_offers_the_coaches(make_client, waiting):
    text = make_client(waiting.staff).get(f"/incubation/challenges/{waiting.challenge.id}/cohorts/new").text
    for application in waiting.applications[1:]:
        box = re.search(rf'<input[^>]*name="application_ids"[^>]*value="{application.id}"[^>]*>', text).group(0)
        assert "checked" in box
        assert application.school_name in text
    assert waiting.applications[0].school_name not in text  # in a cohort already
    assert waiting.coach.name in text and waiting.staff.name in text
    assert 'value="6"' in text


def test_staff_make_a_cohort_and_land_on_its_grid(make_client, waiting):
    client = make_client(waiting.staff)
    response = client.post(f"/incubation/challenges/{waiting.challenge.id}/cohorts/new", data=_form(waiting))
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.name == "Fall 2027 cohort"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/incubation/cohorts/{cohort.id}")
    assert cohort.starts_on == date(2027, 1, 4) and cohort.ends_on == date(2027, 7, 4)
    assert sorted(t.application_id for t in cohort.teams) == sorted(a.id for a in waiting.applications[1:])
    assert [c.user_id for c in cohort.coaches] == [waiting.coach.id]
    assert all(len(t.milestones) == 7 for t in cohort.teams)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "incubation.cohort_created",
                                                         AuditEvent.object_id == cohort.id)) is not None


@pytest.mark.parametrize("changes,message", [
    ({"name": ""}, "Name the cohort"),
    ({"name": "x" * 201}, "at most 200 characters"),
    ({"name": "Spring\x00cohort"}, "not allowed"),
    ({"name": "Spring\u202ecohort"}, "one line of plain text"),
    ({"starts_on": "tomorrow"}, "Enter a date like 2027-01-04"),
    ({"starts_on": ""}, "Enter the start date"),
    ({"starts_on": "9999-12-31"}, "between the years 1900 and 2999"),
    ({"starts_on": "2999-01-01"}, "within five years of today"),
    ({"length_months": "0"}, "from 1 to 36 months"),
    ({"length_months": "37"}, "from 1 to 36 months"),
    ({"length_months": "six"}, "whole number of months"),
    ({"length_months": "99999999999999999999"}, "whole number of months"),
    ({"application_ids": []}, "Choose at least one selected team"),
    ({"application_ids": ["abc"]}, "Choose among the selected teams shown"),
    ({"coach_ids": ["1; DROP TABLE users"]}, "Choose among the coaches shown"),
])
def test_bad_input_is_shown_in_the_form_and_nothing_is_saved(make_client, waiting, changes, message):
    client = make_client(waiting.staff)
    cohorts, milestones, events = _count(Cohort), _count(Milestone), _count(AuditEvent)
    response = client.post(f"/incubation/challenges/{waiting.challenge.id}/cohorts/new",
                           data=_form(waiting, **changes))
    assert response.status_code == 422 and message in response.text
    assert (_count(Cohort), _count(Milestone), _count(AuditEvent)) == (cohorts, milestones, events)


def test_teams_of_another_challenge_or_not_selected_cannot_join(make_client, waiting, org):
    other = Challenge(organisation=org, title="Another challenge", slug="another", track=Track.new_school,
                      status=ChallengeStatus.published, opens_at=utcnow() - timedelta(days=9),
                      closes_at=utcnow() - timedelta(days=2))
    db.session.add(other)
    foreign = _application(other, name="Foreign")
    eligible = _application(waiting.challenge, status=Status.eligible, name="Eligible")
    in_a_cohort = waiting.applications[0]
    client = make_client(waiting.staff)
    for intruder in (foreign, eligible, in_a_cohort):
        before = _count(CohortTeam)
        response = client.post(f"/incubation/challenges/{waiting.challenge.id}/cohorts/new",
                               data=_form(waiting, application_ids=[str(waiting.applications[1].id), str(intruder.id)]))
        assert response.status_code == 422 and "Choose among the selected teams shown" in response.text
        assert _count(CohortTeam) == before


def test_a_coach_must_hold_the_role_in_the_organisation(make_client, make_user, grant_role, make_org, waiting):
    nobody = make_user("nobody@example.org", name="No Role")
    reviewer = grant_role(make_user("rev@example.org", name="Rae Reviewer"), waiting.org, Role.reviewer)
    coach_elsewhere = grant_role(make_user("away@example.org", name="Away Coach"), make_org("Elsewhere"), Role.coach)
    client = make_client(waiting.staff)
    for person in (nobody, reviewer, coach_elsewhere):
        response = client.post(f"/incubation/challenges/{waiting.challenge.id}/cohorts/new",
                               data=_form(waiting, coach_ids=[str(person.id)]))
        assert response.status_code == 422 and "Choose among the coaches shown" in response.text
    assert _count(Cohort) == 1


def test_the_service_refuses_what_the_form_would_not_offer(waiting):
    """Defence in depth: create_cohort checks again (a page loaded before someone else's cohort)."""
    from incubator.core.errors import ValidationFailed
    from incubator.incubation import cohorts

    with pytest.raises(ValidationFailed, match="in no cohort yet"):
        cohorts.create_cohort(waiting.challenge, name="Again", starts_on=date(2027, 1, 4),
                              application_ids=[waiting.applications[0].id], coach_ids=[], actor=waiting.staff,
                              now=utcnow())
    with pytest.raises(ValidationFailed, match="1 to 36"):
        cohorts.create_cohort(waiting.challenge, name="Again", starts_on=date(2027, 1, 4), length_months=True,
                              application_ids=[waiting.applications[1].id], coach_ids=[], actor=waiting.staff,
                              now=utcnow())
    db.session.rollback()


def test_a_school_transition_challenge_has_no_cohort_form(make_client, org, staff):
    challenge = Challenge(organisation=org, title="Transition grants", slug="transition",
                          track=Track.school_transition, status=ChallengeStatus.published,
                          opens_at=utcnow() - timedelta(days=9), closes_at=utcnow() - timedelta(days=2))
    db.session.add(challenge)
    db.session.commit()
    client = make_client(staff)
    url = f"/incubation/challenges/{challenge.id}/cohorts/new"
    assert "new-school challenge" in client.get(url).text
    assert client.post(url, data={"name": "X", "starts_on": "2027-01-04", "length_months": "6"}).status_code == 200
    assert _count(Cohort) == 0


def test_with_no_team_waiting_the_page_says_so(make_client, incubation, org):
    db.session.delete(incubation.applications[2])
    db.session.commit()
    text = make_client(incubation.staff).get(f"/incubation/challenges/{incubation.challenge.id}/cohorts/new").text
    assert "No selected team of this challenge is waiting" in text and "<form method=\"post\" class" not in text


def test_the_challenge_page_links_to_a_new_cohort(make_client, waiting):
    text = make_client(waiting.staff).get(f"/challenges/{waiting.challenge.id}/manage").text
    assert f"/incubation/challenges/{waiting.challenge.id}/cohorts/new" in text


def test_nobody_but_the_organisations_staff_may_make_a_cohort(make_client, make_user, grant_role, make_org, waiting,
                                                              make_incubation_world):
    other_coach = make_incubation_world(waiting.org).coach
    other_staff = grant_role(make_user("else@example.org"), make_org("Elsewhere"), Role.program_staff)
    url = f"/incubation/challenges/{waiting.challenge.id}/cohorts/new"
    for person in (waiting.coach, other_coach, waiting.member(0), waiting.lead(1), other_staff):
        client = make_client(person)
        assert client.get(url).status_code == 404
        assert client.post(url, data=_form(waiting)).status_code == 404
    assert _count(Cohort) == 2
    # A signed-out visitor: a page about an object answers 404 (its 404 page offers to sign in).
    assert make_client().get(url).status_code == 404


def test_the_index_needs_the_same_statements_for_one_cohort_or_many(make_client, waiting, make_incubation_world,
                                                                      count_statements):
    client = make_client(waiting.staff)
    client.get("/incubation/")
    few = count_statements(lambda: client.get("/incubation/"))
    for _ in range(3):
        make_incubation_world(waiting.org, waiting.staff)
    assert client.get("/incubation/").text.count("/settings") == 4
    assert count_statements(lambda: client.get("/incubation/")) == few


def test_a_coach_named_on_no_cohort_is_told_so(make_client, make_user, grant_role, org):
    coach = grant_role(make_user("new-coach@example.org"), org, Role.coach)
    text = make_client(coach).get("/incubation/").text
    assert "No cohort names you as a coach yet" in text and "You are not in an incubation cohort" not in text


def test_two_staff_putting_the_same_team_in_a_cohort_at_once_make_one(app, waiting):
    """The second waits for the first's row locks (PostgreSQL; SQLite has one writer at a time, so
    there the second simply comes after), then sees its cohort and is refused."""
    import threading
    import time

    from incubator.accounts.models import User
    from incubator.core.errors import ValidationFailed
    from incubator.incubation import cohorts

    concurrent = db.engine.dialect.name == "postgresql"
    application_id, challenge_id, staff_id = waiting.applications[1].id, waiting.challenge.id, waiting.staff.id
    cohorts.create_cohort(waiting.challenge, name="First", starts_on=date(2027, 1, 4), application_ids=[application_id],
                          coach_ids=[], actor=waiting.staff, now=utcnow())
    outcome = []

    def second():
        with app.app_context():
            try:
                cohorts.create_cohort(db.session.get(Challenge, challenge_id), name="Second",
                                      starts_on=date(2027, 1, 4), application_ids=[application_id], coach_ids=[],
                                      actor=db.session.get(User, staff_id), now=utcnow())
                db.session.commit()
                outcome.append("made")
            except ValidationFailed as error:
                db.session.rollback()
                outcome.append(str(error))
            finally:
                db.session.remove()

    thread = threading.Thread(target=second)
    if concurrent:
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the first's lock
        db.session.commit()
    else:
        db.session.commit()
        thread.start()
    thread.join(10)
    assert outcome and "in no cohort yet" in outcome[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortTeam).where(
        CohortTeam.application_id == application_id)) == 1
