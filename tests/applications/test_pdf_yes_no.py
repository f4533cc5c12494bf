"""Yes/no answers read "Yes" and "No" wherever a person reads them (the PDF, the
application page, the revisions and conflicts, the CSV export), while the stored
value and the edit form keep "yes"/"no"."""
from datetime import datetime, timezone

from incubator.applications import editing
from incubator.applications.models import ApplicationRevision
from incubator.applications.states import Status
from incubator.challenges.export import rows
from incubator.challenges.listing import Filters
from incubator.challenges.models import QuestionKind
from incubator.extensions import db
from tests.applications.conftest import question
from tests.applications.test_editing import edit_url, form_of


def yes_no_answer(application):
    facility = question(application.challenge, QuestionKind.yes_no)
    return facility, next(a for a in application.answers if a.question_id == facility.id)


def test_answer_text_shows_yes_and_no_capitalised(complete_application):
    facility, answer = yes_no_answer(complete_application)
    assert editing.answer_text(answer, QuestionKind.yes_no) == "Yes"
    answer.text_value = "no"
    assert editing.answer_text(answer, QuestionKind.yes_no) == "No"
    assert editing.answer_text(None, QuestionKind.yes_no) == ""
    assert answer.text_value == "no"  # the stored value is untouched


def test_the_edit_form_still_holds_the_stored_value(complete_application):
    facility, _ = yes_no_answer(complete_application)
    assert editing.form_data(complete_application)[f"q_{facility.id}"] == "yes"


def test_a_revision_shows_yes_and_no_and_stores_lowercase(make_client, lead, complete_application):
    facility, answer = yes_no_answer(complete_application)
    client = make_client(lead)
    response = client.post(edit_url(complete_application), data=form_of(complete_application, **{f"q_{facility.id}": "no"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert answer.text_value == "no"
    revision = db.session.query(ApplicationRevision).filter_by(application_id=complete_application.id).one()
    change = next(c for c in revision.changes if c["label"] == facility.label)
    assert (change["old"], change["new"]) == ("Yes", "No")
    page = client.get(f"/applications/{complete_application.id}")
    shown = page.text[page.text.index(facility.label):]
    assert '<p class="prose">No</p>' in shown[:300]


def test_the_csv_export_shows_yes(complete_application):
    complete_application.status = Status.submitted
    complete_application.submitted_at = datetime(2026, 3, 2, tzinfo=timezone.utc)
    db.session.commit()
    facility, _ = yes_no_answer(complete_application)
    header, *data = list(rows(complete_application.challenge.id, Filters()))
    (row,) = data
    assert row[header.index(facility.label)] == "Yes"
