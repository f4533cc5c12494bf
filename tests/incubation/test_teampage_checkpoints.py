"""Readiness checkpoints of a cohort: staff open one for every active team at once (through
readiness' own open_assessment), each tied to the team; refusals are reported per team and the
others kept; the cohort's readiness page shows each team's composites and growth."""
import html
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import checkpoints
from incubator.incubation.models import Checkpoint
from incubator.incubation.states import CohortTeamStatus
from incubator.readiness.models import Assessment
from incubator.readiness.states import AssessmentStatus
from tests.incubation.teampage_helpers import assessment, summary, use_readiness


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _open(client, cohort, label="Month 3"):
    return client.post(f"/incubation/cohorts/{cohort.id}/readiness/checkpoints", data={"label": label})


def _tied(world):
    return {(c.cohort_team_id, c.label): c.assessment_id for c in db.session.scalars(
        sa.select(Checkpoint).where(Checkpoint.cohort_team_id.in_([t.id for t in world.teams])))}


def _assessments(world):
    return db.session.scalars(sa.select(Assessment).where(
        Assessment.application_id.in_([a.id for a in world.applications])).order_by(Assessment.id)).all()


def test_staff_open_a_checkpoint_for_every_team_and_each_is_tied(incubation, make_client):
    use_readiness(incubation)
    response = _open(make_client(incubation.staff), incubation.cohort)
    assert response.status_code == 200
    text = _text(response.text)
    assert "Month 3: 2 of 2 teams" in text
    assert text.count("Opened: the team's members can now rate the team.") == 2
    made = _assessments(incubation)
    assert [(a.application_id, a.label, a.status) for a in made] == [
        (incubation.applications[0].id, "Month 3", AssessmentStatus.open),
        (incubation.applications[1].id, "Month 3", AssessmentStatus.open)]
    assert _tied(incubation) == {(incubation.teams[0].id, "Month 3"): made[0].id,
                                 (incubation.teams[1].id, "Month 3"): made[1].id}
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.in_(
        ["readiness.assessment.opened", "incubation.checkpoint.tied"]))).all()
    assert sorted(actions) == ["incubation.checkpoint.tied"] * 2 + ["readiness.assessment.opened"] * 2
    # The team sees it on its readiness page, where its members rate.
    assert "Month 3" in make_client(incubation.lead(0)).get(
        f"/readiness/applications/{incubation.applications[0].id}").text


def test_a_team_whose_assessment_is_still_open_is_refused_and_the_others_are_kept(incubation, make_client):
    use_readiness(incubation)
    still_open = assessment(incubation, 1, "Spring check", summary(incubation, 2.0), status=AssessmentStatus.open,
                            days_ago=3)
    text = _text(_open(make_client(incubation.staff), incubation.cohort).text)
    assert "Month 3: 1 of 2 teams" in text
    assert "Not opened: The “Spring check” assessment is still open; close it before opening another." in text
    assert [(a.application_id, a.label) for a in _assessments(incubation)] == [
        (incubation.applications[1].id, "Spring check"), (incubation.applications[0].id, "Month 3")]
    assert set(_tied(incubation)) == {(incubation.teams[0].id, "Month 3")}
    assert still_open.status == AssessmentStatus.open


def test_opening_the_same_checkpoint_twice_changes_nothing_the_second_time(incubation, make_client):
    use_readiness(incubation)
    client = make_client(incubation.staff)
    _open(client, incubation.cohort)
    text = _text(_open(client, incubation.cohort).text)
    assert "Month 3: 0 of 2 teams" in text
    assert text.count("Not opened: it already has its Month 3 assessment.") == 2
    assert len(_assessments(incubation)) == 2 and len(_tied(incubation)) == 2


def test_intake_is_the_applications_first_assessment_unless_tied(incubation, make_client):
    use_readiness(incubation)
    first = assessment(incubation, 0, "Applied", summary(incubation, 2.0), days_ago=200)
    assessment(incubation, 0, "Later one", summary(incubation, 3.0), days_ago=100)
    text = _text(_open(make_client(incubation.staff), incubation.cohort, "Intake").text)
    assert "Intake: 1 of 2 teams" in text
    assert "Not opened: its application's “Applied” assessment counts as Intake." in text
    assert set(_tied(incubation)) == {(incubation.teams[1].id, "Intake")}
    takes = checkpoints.takes_for(incubation.teams)
    assert takes[incubation.teams[0].id].takes["Intake"].assessment.id == first.id
    assert takes[incubation.teams[0].id].takes["Intake"].is_read_as_intake


def test_a_retake_the_team_opened_with_the_checkpoints_name_is_tied_not_duplicated(incubation, make_client):
    use_readiness(incubation)
    assessment(incubation, 0, "Intake", summary(incubation, 2.0), days_ago=200)
    own = assessment(incubation, 0, "month 3", summary(incubation, 2.5), days_ago=2, status=AssessmentStatus.open)
    text = _text(_open(make_client(incubation.staff), incubation.cohort).text)
    assert "Tied the team's own “Month 3” assessment" in text
    assert _tied(incubation)[(incubation.teams[0].id, "Month 3")] == own.id
    assert [a.label for a in _assessments(incubation)].count("Month 3") == 1  # only the other team's new one


def test_a_team_that_left_is_skipped(incubation, make_client):
    use_readiness(incubation)
    left = incubation.teams[1]
    left.status, left.left_at, left.left_reason = CohortTeamStatus.left, utcnow(), "Moved away"
    db.session.commit()
    text = _text(_open(make_client(incubation.staff), incubation.cohort).text)
    assert "Month 3: 1 of 1 team" in text
    assert set(_tied(incubation)) == {(incubation.teams[0].id, "Month 3")}


def test_a_challenge_without_readiness_opens_nothing(incubation, make_client):
    text = _text(_open(make_client(incubation.staff), incubation.cohort).text)
    assert "Month 3: 0 of 2 teams" in text
    assert text.count("does not use a readiness assessment") == 2
    assert _assessments(incubation) == [] and _tied(incubation) == {}


@pytest.mark.parametrize("label", ["Month 4", "M" * 81, "Month\x003", "Month 3\n", "", "<script>"])
def test_hostile_labels_are_refused_and_nothing_is_saved(incubation, make_client, label):
    use_readiness(incubation)
    response = _open(make_client(incubation.staff), incubation.cohort, label)
    assert response.status_code == 422
    assert "Choose one of the checkpoints: Intake, Month 3, Month 6." in response.text
    assert 'aria-invalid="true"' in response.text or "error-summary" in response.text
    assert _assessments(incubation) == [] and _tied(incubation) == {}


def test_two_labels_at_once_open_only_the_first(incubation, make_client):
    use_readiness(incubation)
    client = make_client(incubation.staff)
    response = client.post(f"/incubation/cohorts/{incubation.cohort.id}/readiness/checkpoints",
                           data={"label": ["Month 3", "Month 6"]})
    assert response.status_code == 200 and "Month 3: 2 of 2 teams" in _text(response.text)
    assert [a.label for a in _assessments(incubation)] == ["Month 3", "Month 3"]


def test_without_a_csrf_token_nothing_is_opened(incubation, make_client):
    use_readiness(incubation)
    response = make_client(incubation.staff).post(f"/incubation/cohorts/{incubation.cohort.id}/readiness/checkpoints",
                                                  data={"label": "Month 3"}, csrf=False)
    assert response.status_code == 400
    assert _assessments(incubation) == []


def test_the_service_checks_the_actor_and_the_label(incubation):
    use_readiness(incubation)
    with pytest.raises(NotAllowed):
        checkpoints.open_for_cohort(incubation.cohort, "Month 3", actor=incubation.coach, now=utcnow())
    with pytest.raises(ValidationFailed):
        checkpoints.open_for_cohort(incubation.cohort, "Month 9", actor=incubation.staff, now=utcnow())
    assert _assessments(incubation) == []


@pytest.mark.parametrize("who", ["coach", "member", "other_coach", "other_staff"])
def test_only_staff_may_open_checkpoints(incubation, make_incubation_world, make_org, make_client, make_user,
                                         grant_role, who):
    use_readiness(incubation)
    person = {"coach": lambda: incubation.coach, "member": lambda: incubation.lead(0),
              "other_coach": lambda: make_incubation_world(incubation.org).coach,
              "other_staff": lambda: grant_role(make_user("far@example.org"), make_org("Far"), Role.program_staff),
              }[who]()
    assert _open(make_client(person), incubation.cohort).status_code == 404
    assert _assessments(incubation) == []


def test_the_readiness_page_shows_each_teams_composites_and_growth(incubation, make_client):
    use_readiness(incubation)
    intake = assessment(incubation, 0, "Applied", summary(incubation, 2.0, 1.5), days_ago=200)
    assessment(incubation, 0, "Month 3", summary(incubation, 3.0, 2.5), days_ago=20, checkpoint=True)
    assessment(incubation, 1, "Month 3", summary(incubation, raters=0), days_ago=1, checkpoint=True,
               status=AssessmentStatus.open)
    page = make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/readiness").text
    rows = {t.id: _text(page[page.index(f'/incubation/teams/{t.id}"'):].split("</tr>")[0])
            for t in incubation.teams}
    assert "1.75" in rows[incubation.teams[0].id] and "2.75" in rows[incubation.teams[0].id]
    assert "+1.00" in rows[incubation.teams[0].id] and "Intake to Month 3" in rows[incubation.teams[0].id]
    assert "“Applied”" in rows[incubation.teams[0].id] and "Not taken" in rows[incubation.teams[0].id]
    second = rows[incubation.teams[1].id]
    assert second.count("Not taken") == 2 and "no answers yet" in second and "Open" in second
    assert "Needs two rated checkpoints" in second
    assert f"/readiness/assessments/{intake.id}" in page
    assert "Open for every team" in page and 'data-confirm="Open this checkpoint' in page


def test_a_coach_of_the_cohort_reads_the_page_without_the_form_or_links(incubation, make_client):
    use_readiness(incubation)
    intake = assessment(incubation, 0, "Intake", summary(incubation, 2.0), days_ago=200)
    response = make_client(incubation.coach).get(f"/incubation/cohorts/{incubation.cohort.id}/readiness")
    assert response.status_code == 200
    assert "2.00" in response.text and "Open for every team" not in response.text
    assert f"/readiness/assessments/{intake.id}" not in response.text


@pytest.mark.parametrize("who", ["member", "other_coach", "other_staff", "visitor"])
def test_others_get_404_on_the_readiness_page(incubation, make_incubation_world, make_org, make_client, make_user,
                                              grant_role, who):
    person = {"member": lambda: incubation.lead(0), "visitor": lambda: None,
              "other_coach": lambda: make_incubation_world(incubation.org).coach,
              "other_staff": lambda: grant_role(make_user("far@example.org"), make_org("Far"), Role.program_staff),
              }[who]()
    client = make_client(person)
    assert client.get(f"/incubation/cohorts/{incubation.cohort.id}/readiness").status_code == 404
    assert client.get(f"/incubation/cohorts/{incubation.cohort.id + 10_000}/readiness").status_code == 404


def test_growth_numbers_from_made_up_summaries():
    def take(label, *composites, raters=2, status=AssessmentStatus.closed):
        row = type("Row", (), {"id": hash(label), "label": label, "status": status, "instrument_id": 1,
                               "summary": {"raters": raters,
                                           "domains": {str(i): [c, None, raters] for i, c in enumerate(composites)}}})
        return checkpoints.Take(label, row)

    # (2 + 3 + None) / 2 = 2.5 ; (3.5 + 3 + 4) / 3 = 3.5 ; growth 1.0
    team = checkpoints.TeamTakes(1, {"Intake": take("Intake", 2, 3, None), "Month 3": take("Month 3", raters=0),
                                     "Month 6": take("Month 6", 3.5, 3, 4)})
    assert team.takes["Intake"].composite == 2.5
    assert team.takes["Month 3"].composite is None  # nobody completed: not a zero
    assert team.takes["Month 6"].composite == 3.5
    assert team.growth == 1.0 and team.growth_span == "Intake to Month 6"
    only_one = checkpoints.TeamTakes(2, {"Intake": take("Intake", 2), "Month 3": checkpoints.Take("Month 3")})
    assert only_one.growth is None and only_one.takes["Month 3"].state == checkpoints.NOT_TAKEN
    assert checkpoints.composite(None) is None and checkpoints.composite({"raters": 1, "domains": {}}) is None


def test_the_readiness_page_statements_do_not_grow_with_teams(make_incubation_world, org, make_client,
                                                              count_statements):
    def count(teams):
        world = make_incubation_world(org, teams=teams)
        use_readiness(world)
        for i in range(teams):
            assessment(world, i, "Intake", summary(world, 2.0), days_ago=100)
            assessment(world, i, "Month 3", summary(world, 3.0), days_ago=10, checkpoint=True)
        client = make_client(world.staff)
        url = f"/incubation/cohorts/{world.cohort.id}/readiness"
        client.get(url)
        return count_statements(lambda: client.get(url))

    assert count(2) == count(6)


def test_two_staff_opening_at_once_the_second_is_told_and_nothing_is_half_saved(incubation, make_client,
                                                                                monkeypatch):
    use_readiness(incubation)
    # The other staff member's request committed Month 3 for the second team after this one read the
    # checkpoints (the read is made to miss it): the unique checkpoint refuses the second tie.
    theirs = assessment(incubation, 1, "Month 3", summary(incubation, 2.0), checkpoint=True)
    before = len(_assessments(incubation))
    real = checkpoints.takes_for
    monkeypatch.setattr(checkpoints, "takes_for",
                        lambda teams: {ct.id: checkpoints.TeamTakes(ct.id, {label: checkpoints.Take(label)
                                                                             for label in ("Intake", "Month 3",
                                                                                           "Month 6")})
                                       for ct in teams})
    response = _open(make_client(incubation.staff), incubation.cohort)
    monkeypatch.setattr(checkpoints, "takes_for", real)
    assert response.status_code == 409
    assert "Someone opened checkpoints for this cohort a moment ago: nothing was changed." in _text(response.text)
    assert len(_assessments(incubation)) == before  # the first team's new assessment was not kept either
    assert _tied(incubation) == {(incubation.teams[1].id, "Month 3"): theirs.id}
