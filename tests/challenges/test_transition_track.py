"""Staff side of the school-transition track and of the required model elements:
the challenge form, the manage page, the staff's application page and the CSV."""
import csv
import io
import re
from datetime import timedelta

import pytest

from incubator.challenges.models import Challenge, Track
from incubator.extensions import db
from tests.challenges.test_challenge_form import form

ALL_FOUR = ["learner_profiles", "personal_learning_paths", "competency_based_progression",
            "flexible_learning_environments"]


def ticked(page: str) -> list[str]:
    inputs = re.findall(r'<input[^>]*name="required_elements"[^>]*>', page)
    return [re.search(r'value="(\w+)"', tag).group(1) for tag in inputs if "checked" in tag]


def test_a_new_challenge_requires_all_four_model_elements_unless_staff_untick_them(staff_client, org):
    page = staff_client.get("/challenges/new").text
    assert "Model elements required to submit" in page and ticked(page) == ALL_FOUR

    response = staff_client.post("/challenges/new", data=form(
        organisation_id=org.id, required_elements=["flexible_learning_environments", "learner_profiles"]))
    assert response.status_code == 302
    challenge = db.session.scalar(db.select(Challenge))
    assert challenge.required_elements == ["learner_profiles", "flexible_learning_environments"]  # in the model's order
    manage = staff_client.get(response.location).text
    assert "Learner profiles, Flexible learning environments" in manage
    assert ticked(staff_client.get(f"/challenges/{challenge.id}/edit").text) == [
        "learner_profiles", "flexible_learning_environments"]


def test_staff_can_require_no_element_and_the_change_is_audited(staff_client, org):
    from incubator.core.audit import AuditEvent

    staff_client.post("/challenges/new", data=form(organisation_id=org.id, required_elements=ALL_FOUR))
    challenge = db.session.scalar(db.select(Challenge))
    response = staff_client.post(f"/challenges/{challenge.id}/edit", data=form())  # every box unticked
    assert response.status_code == 302
    db.session.refresh(challenge)
    assert challenge.required_elements == []
    assert "required_elements" in db.session.scalar(db.select(AuditEvent).filter_by(action="challenge.updated")).details["fields"]
    assert "<dd>None</dd>" in staff_client.get(f"/challenges/{challenge.id}/manage").text


@pytest.mark.parametrize("value", ["school_name", "everything", "learner_profiles\u202e", "1"])
def test_an_element_that_was_not_offered_is_refused_and_nothing_changes(staff_client, org, value):
    staff_client.post("/challenges/new", data=form(organisation_id=org.id, required_elements=ALL_FOUR))
    challenge = db.session.scalar(db.select(Challenge))
    response = staff_client.post(f"/challenges/{challenge.id}/edit",
                                 data=form(required_elements=["learner_profiles", value]))
    assert response.status_code == 422 and "Choose among the options shown." in response.text
    db.session.refresh(challenge)
    assert challenge.required_elements == ALL_FOUR


@pytest.fixture
def transition_challenge(make_challenge):
    return make_challenge(title="School Transition Grants", slug="transition", track=Track.school_transition,
                          opens_in=-timedelta(days=7), closes_in=timedelta(days=30))


def test_staff_read_a_transition_application_with_its_transition_facts(staff_client, transition_challenge,
                                                                       make_application):
    application = make_application(transition_challenge, school_name="Lakeview Middle School", current_grades="6-8",
                                   current_enrollment=410, transition_year=2027)
    page = staff_client.get(f"/challenges/{transition_challenge.id}/applications/{application.id}").text
    facts = page[page.index("The school"):page.index("Challenge questions")]
    assert re.search(r"<dt>Grades served today</dt><dd>6-8</dd>", facts)
    assert re.search(r"<dt>Current enrollment</dt><dd>410</dd>", facts)
    assert re.search(r"<dt>Transition year</dt><dd>2027</dd>", facts)
    assert "launch year" not in facts.lower() and "Target enrollment" not in facts


def read_csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_transition_csv_has_the_transition_columns_and_not_the_launch_ones(staff_client, transition_challenge,
                                                                               make_application):
    make_application(transition_challenge, school_name="Lakeview Middle School", current_grades="6-8",
                     current_enrollment=410, transition_year=2027)
    header, row = read_csv(staff_client.get(f"/challenges/{transition_challenge.id}/applications.csv"))
    values = dict(zip(header, row))
    assert (values["Grades served today"], values["Current enrollment"], values["Transition year"]) == ("6-8", "410", "2027")
    assert not {"Grades served", "Planned launch year", "Target enrollment"} & set(header)


def test_the_new_school_csv_keeps_its_columns(staff_client, open_challenge, make_application):
    make_application(open_challenge, launch_year=2028, target_enrollment=240)
    header, row = read_csv(staff_client.get(f"/challenges/{open_challenge.id}/applications.csv"))
    values = dict(zip(header, row))
    assert (values["Planned launch year"], values["Target enrollment"]) == ("2028", "240")
    assert not {"Grades served today", "Current enrollment", "Transition year"} & set(header)
