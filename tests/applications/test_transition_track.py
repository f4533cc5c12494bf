"""The school-transition track: an existing school is asked where it stands and when it moves,
not a launch year; the challenge says which model elements are needed to submit."""
import re

import pytest

from incubator.applications.models import Application
from incubator.applications.pdf import render_application
from incubator.applications.states import Status
from incubator.challenges.models import Track
from incubator.extensions import db
from tests.applications.conftest import fill_completely
from tests.applications.test_editing import form_of

TRANSITION_LABELS = ("Grades served today", "Current enrollment", "Transition year")
NEW_SCHOOL_LABELS = ("Planned launch year", "Target enrollment")


@pytest.fixture
def transition_application(team, make_challenge):
    challenge = make_challenge(title="School Transition Grants", track=Track.school_transition)
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    db.session.commit()
    return application


def fill_transition(application):
    fill_completely(application)
    application.launch_year = application.target_enrollment = None
    application.grades = ""
    application.current_grades, application.current_enrollment, application.transition_year = "6-8", 410, 2027
    db.session.commit()
    return application


def transition_form(application, **changes):
    data = form_of(application, current_grades="6-8", current_enrollment="410", transition_year="2027")
    for key in ("grades", "launch_year", "target_enrollment"):
        data.pop(key)
    data.update(changes)
    return data


def label_of(page, name):
    return re.search(rf'<label for="{name}">([^<]*)</label>', page)


def test_the_transition_form_asks_for_the_school_as_it_is_and_not_for_a_launch(make_client, member, transition_application):
    page = make_client(member).get(f"/applications/{transition_application.id}/edit").text
    for name in ("current_grades", "current_enrollment", "transition_year"):
        assert label_of(page, name), name
    for name in ("grades", "launch_year", "target_enrollment"):
        assert f'name="{name}"' not in page, name
    assert "Planned launch year" not in page


def test_the_new_school_form_still_asks_for_a_launch_and_not_for_a_transition(make_client, member, application):
    page = make_client(member).get(f"/applications/{application.id}/edit").text
    for name in ("grades", "launch_year", "target_enrollment"):
        assert label_of(page, name), name
    for name in ("current_grades", "current_enrollment", "transition_year"):
        assert f'name="{name}"' not in page, name


def test_a_transition_draft_saves_its_own_fields_and_ignores_the_other_tracks(make_client, member, transition_application):
    client = make_client(member)
    response = client.post(f"/applications/{transition_application.id}/edit",
                           data=transition_form(transition_application, launch_year="2031", target_enrollment="99"))
    assert response.status_code == 302
    db.session.expire_all()
    a = transition_application
    assert (a.current_grades, a.current_enrollment, a.transition_year) == ("6-8", 410, 2027)
    assert a.launch_year is None and a.target_enrollment is None
    page = client.get(f"/applications/{a.id}").text
    assert "Grades served today" in page and "410" in page and "2027" in page
    assert "Planned launch year" not in page


@pytest.mark.parametrize("field, value, message", [
    ("current_enrollment", "0", "between 1 and 100,000"),
    ("current_enrollment", "lots", "Not a valid integer"),
    ("transition_year", "1999", "between 2000 and 2100"),
    ("current_grades", "K-12" * 20, "At most 40 characters"),
])
def test_bad_transition_values_are_refused_and_nothing_is_saved(make_client, member, transition_application,
                                                                field, value, message):
    response = make_client(member).post(f"/applications/{transition_application.id}/edit",
                                        data=transition_form(transition_application, **{field: value}))
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert transition_application.version == 1 and transition_application.current_grades == ""


def test_the_transition_checklist_asks_for_the_transition_facts_not_a_launch(make_client, member, transition_application):
    fill_completely(transition_application)
    page = make_client(member).get(f"/applications/{transition_application.id}/submit").text
    checklist = page[page.index("Still missing"):]
    for label in TRANSITION_LABELS:
        assert label in checklist
    for label in NEW_SCHOOL_LABELS:
        assert label not in checklist


def test_a_complete_transition_application_is_submitted_without_a_launch_year(make_client, lead, transition_application):
    fill_transition(transition_application)
    response = make_client(lead).post(f"/applications/{transition_application.id}/submit", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert transition_application.status == Status.submitted


def test_the_transition_pdf_shows_the_transition_facts(transition_application):
    content = render_application(fill_transition(transition_application), compress=False)
    shown = b"".join(re.findall(rb"\((.*?)\) Tj", content))
    for text in (b"Grades served today", b"Current enrollment", b"410", b"Transition year", b"2027"):
        assert text in shown, text
    assert b"Planned launch year" not in shown and b"Target enrollment" not in shown


def test_only_the_model_elements_the_challenge_requires_are_needed_to_submit(make_client, lead, team, make_challenge):
    challenge = make_challenge(required_elements=["learner_profiles", "flexible_learning_environments"])
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    fill_completely(application)
    application.personal_learning_paths = application.competency_based_progression = ""
    application.flexible_learning_environments = ""
    db.session.commit()
    client = make_client(lead)

    edit = client.get(f"/applications/{application.id}/edit").text
    starred = re.findall(r'<label for="(\w+)">[^<]*</label> <span class="req"', edit)
    assert "learner_profiles" in starred and "flexible_learning_environments" in starred
    assert "personal_learning_paths" not in starred and "competency_based_progression" not in starred

    refused = client.post(f"/applications/{application.id}/submit", data={})
    assert refused.status_code == 422 and "Flexible learning environments" in refused.text
    assert "Personal learning paths" not in refused.text.split("Still missing")[1]
    application.flexible_learning_environments = "Studios, not classrooms."
    db.session.commit()
    assert client.post(f"/applications/{application.id}/submit", data={}).status_code == 302
    db.session.expire_all()
    assert application.status == Status.submitted


def test_a_challenge_that_requires_no_elements_still_needs_the_school_facts(make_client, lead, team, make_challenge):
    challenge = make_challenge(required_elements=[])
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    fill_completely(application)
    application.launch_year = None
    for key in ("learner_profiles", "personal_learning_paths", "competency_based_progression",
                "flexible_learning_environments"):
        setattr(application, key, "")
    db.session.commit()
    page = make_client(lead).get(f"/applications/{application.id}/submit").text
    checklist = page[page.index("Still missing"):]
    assert "Planned launch year" in checklist and "Learner profiles" not in checklist
