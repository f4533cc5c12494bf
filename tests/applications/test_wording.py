"""Small wording fixes a team and staff notice: one file size on every page, one label per
field, possessives, one word-limit hint, and what happens after an application is eligible."""
import re

import pytest

from incubator.applications.pdf import render_application
from incubator.applications.states import Status
from incubator.challenges.models import QuestionKind, Track
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from tests.applications.conftest import question
from tests.applications.test_pdf_layout import drawn


def submitted(application, status=Status.submitted):
    application.status, application.submitted_at = status, utcnow()
    if status in (Status.eligible, Status.ineligible):
        application.screened_at = utcnow()
    if status == Status.ineligible:
        application.screening_reason = "Outside the parish."
    if status == Status.withdrawn:
        application.withdrawn_at = utcnow()
    db.session.commit()
    return application


def team_page(make_client, user, application):
    return make_client(user).get(f"/applications/{application.id}").text


def staff_page(make_client, staff, application):
    response = make_client(staff).get(f"/challenges/{application.challenge_id}/applications/{application.id}")
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("size, shown", [(193, "193 bytes"), (1536, "1.5 KB"), (2_500_000, "2.4 MB")])
def test_a_file_shows_the_same_size_on_the_team_page_the_staff_page_and_the_pdf(
        make_client, lead, staff, complete_application, size, shown):
    complete_application.attachments[0].size_bytes = size
    submitted(complete_application)
    assert f'<td class="nowrap">{shown}</td>' in team_page(make_client, lead, complete_application)
    assert f"budget.xlsx</a> <span class=\"muted\">({shown})</span>" in staff_page(make_client, staff, complete_application)
    assert f"budget.xlsx ({shown})".encode() in drawn(render_application(complete_application, compress=False))


def test_the_team_page_the_staff_page_and_the_form_use_one_label_per_field(
        make_client, lead, staff, complete_application):
    form = make_client(lead).get(f"/applications/{complete_application.id}/edit").text
    submitted(complete_application)
    team, staff_text = team_page(make_client, lead, complete_application), staff_page(make_client, staff, complete_application)
    for label in ("Grades served", "Planned launch year", "Covered by public revenue"):
        assert label in form and label in team and label in staff_text, label
    for page in (team, staff_text):
        assert "<dt>Grades</dt>" not in page and "<dt>Launch year</dt>" not in page
        assert ">Coverage<" not in page and ">Per-pupil revenue<" not in page
        assert "Public per-pupil revenue" in page
    # The staff page shows the years as the team's page does.
    assert '<th scope="row" class="nowrap">Year 4</th>' in staff_text


def test_the_csv_export_uses_the_same_labels(make_client, staff, complete_application):
    submitted(complete_application)
    header = make_client(staff).get(f"/challenges/{complete_application.challenge_id}/applications.csv").text.splitlines()[0]
    assert "Grades served" in header and "Planned launch year" in header
    assert ",Grades," not in header and ",Launch year," not in header


@pytest.mark.parametrize("team_name, button", [
    ("Second Line Designers", "Start Second Line Designers&#39; application"),
    ("Bayou Learning Lab", "Start Bayou Learning Lab&#39;s application"),
])
def test_the_start_button_uses_a_proper_possessive(make_client, lead, make_team, challenge, team_name, button):
    make_team(name=team_name, lead=lead)
    page = make_client(lead).get(f"/challenges/{challenge.slug}").text
    assert button in page
    assert "Designers&#39;s" not in page


def test_the_possessive_filter(app):
    possessive = app.jinja_env.filters["possessive"]
    assert possessive("Second Line Designers") == "Second Line Designers'"
    assert possessive("CITY KIDS") == "CITY KIDS'"
    assert possessive("Bayou Lab") == "Bayou Lab's"
    assert possessive("") == "'s"


def hints_of(page, field_id):
    return re.search(rf'<p class="help" id="{field_id}-help">(.*?)</p>', page).group(1)


def test_a_word_limit_the_help_text_already_states_is_not_repeated(make_client, lead, application):
    long_text = question(application.challenge, QuestionKind.long_text)
    long_text.word_limit, long_text.help_text = 500, "Up to 500 words."
    db.session.commit()
    page = make_client(lead).get(f"/applications/{application.id}/edit").text
    assert hints_of(page, f"q_{long_text.id}") == "Up to 500 words."
    assert "At most 500 words" not in page
    assert "0 of 500 words" in page  # the live count stays


def test_a_word_limit_is_stated_once_when_the_help_text_does_not(make_client, lead, application):
    long_text = question(application.challenge, QuestionKind.long_text)
    long_text.word_limit, long_text.help_text = 1500, "Say why. Answers over 500 words are fine."
    db.session.commit()
    page = make_client(lead).get(f"/applications/{application.id}/edit").text
    assert hints_of(page, f"q_{long_text.id}") == "Say why. Answers over 500 words are fine. At most 1,500 words."


@pytest.mark.parametrize("track, selected", [
    (Track.new_school, "six-month incubation"),
    (Track.school_transition, "planning grant of $100,000 for its move to personalized learning"),
])
def test_an_eligible_team_sees_what_happens_next(make_client, lead, complete_application, track, selected):
    complete_application.challenge.track = track
    submitted(complete_application, Status.eligible)
    page = team_page(make_client, lead, complete_application)
    panel = page[page.index("What happens next"):]
    panel = panel[:panel.index("</section>")]
    assert "Reviewers chosen by New Schools for New Orleans read and score your application" in panel
    assert "selects up to 3 teams" in panel and "emailed the decision" in panel
    assert selected in panel
    assert "nothing you need to do now" in panel and "withdraw it below" in panel


def test_the_staff_see_what_happens_next_once_they_mark_an_application_eligible(make_client, staff, complete_application):
    submitted(complete_application)
    client = make_client(staff)
    url = f"/challenges/{complete_application.challenge_id}/applications/{complete_application.id}"
    assert "What happens next" not in client.get(url).text
    response = client.post(url + "/screen", data={"decision": "eligible", "reason": ""})
    assert response.status_code == 302
    page = client.get(url).text
    panel = page[page.index("What happens next"):]
    assert "goes on to review" in panel and "You decide which teams to select (up to 3 teams)" in panel
    assert "Only an ineligible team is emailed" in panel


@pytest.mark.parametrize("status", [Status.submitted, Status.ineligible, Status.withdrawn])
def test_no_next_steps_panel_before_or_without_eligibility(make_client, lead, staff, complete_application, status):
    submitted(complete_application, status)
    assert "What happens next" not in team_page(make_client, lead, complete_application)
    if status != Status.withdrawn:
        assert "What happens next" not in staff_page(make_client, staff, complete_application)


def test_a_draft_team_sees_no_next_steps_panel(make_client, lead, application):
    assert "What happens next" not in team_page(make_client, lead, application)

