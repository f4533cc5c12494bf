"""A challenge that requires the assessment lists it on the checklist and blocks submission until
the team closes one."""
from incubator.applications.models import Answer, Application, FinancialYear
from incubator.applications.states import Status
from incubator.extensions import db
from incubator.readiness.states import Requirement
from tests.readiness.conftest import open_assessment, rate


def _complete(application):
    for key in ("school_name", "grades", "neighbourhood", "learner_profiles", "personal_learning_paths",
                "competency_based_progression", "flexible_learning_environments"):
        setattr(application, key, "Filled in")
    application.launch_year, application.target_enrollment = 2028, 200
    for year in (1, 2, 3, 4):
        application.financial_years.append(FinancialYear(year_number=year, enrollment=100, per_pupil_revenue_cents=1,
                                                         other_revenue_cents=0, operating_expenses_cents=100))
    db.session.commit()


def test_a_required_assessment_blocks_submission_until_closed(make_client, make_setup, org):
    setup = make_setup(org, requirement=Requirement.required, submitted=False)
    _complete(setup.application)
    lead = make_client(setup.lead)
    detail = lead.get(f"/applications/{setup.application.id}").text
    assert "Readiness assessment" in detail.split("Checklist")[1]
    response = lead.post(f"/applications/{setup.application.id}/submit")
    assert response.status_code == 422 and "Readiness assessment" in response.text
    assessment = open_assessment(lead, setup.application)
    rate(make_client(setup.members[0]), assessment, lambda i, item: "2")
    assert lead.post(f"/applications/{setup.application.id}/submit").status_code == 422  # open is not enough
    lead.post(f"/readiness/assessments/{assessment.id}/close")
    assert "Everything required is filled in" in lead.get(f"/applications/{setup.application.id}").text
    assert lead.post(f"/applications/{setup.application.id}/submit").status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, setup.application.id).status == Status.submitted


def test_an_optional_assessment_is_not_on_the_checklist(make_client, make_setup, org):
    setup = make_setup(org, requirement=Requirement.optional, submitted=False)
    _complete(setup.application)
    assert make_client(setup.lead).post(f"/applications/{setup.application.id}/submit").status_code == 302


def test_staff_set_the_requirement_on_the_challenge(make_client, make_setup, org, staff, instrument):
    setup = make_setup(org, requirement=Requirement.off, submitted=False)
    client = make_client(staff)
    response = client.post(f"/readiness/challenges/{setup.challenge.id}/settings",
                           data={"requirement": "required", "instrument_id": ""})
    assert response.status_code == 422 and "Choose the instrument" in response.text
    client.post(f"/readiness/challenges/{setup.challenge.id}/settings",
                data={"requirement": "required", "instrument_id": str(instrument.id)})
    _complete(setup.application)
    assert "Readiness assessment" in make_client(setup.lead).post(
        f"/applications/{setup.application.id}/submit").text
