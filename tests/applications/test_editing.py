"""Members edit a draft together: the form, the plan in dollars, conflicts, limits and hostile input."""
import re

import pytest

from incubator.applications.models import ApplicationRevision, FinancialYear
from incubator.applications.states import Status
from incubator.challenges.models import QuestionKind
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.applications.conftest import question


def form_of(application, **changes):
    """What the edit form posts, filled in as a member would."""
    c = application.challenge
    data = {
        "version": str(application.version), "school_name": "Bayou Community School", "grades": "K-5",
        "launch_year": "2028", "target_enrollment": "240", "neighbourhood": "Mid-City",
        "learner_profiles": "Profiles", "personal_learning_paths": "Paths",
        "competency_based_progression": "Competency", "flexible_learning_environments": "Studios",
        f"q_{question(c, QuestionKind.short_text).id}": "Lee and Mo",
        f"q_{question(c, QuestionKind.long_text).id}": "Families asked us to open here.",
        f"q_{question(c, QuestionKind.number).id}": "120",
        f"q_{question(c, QuestionKind.single_choice).id}": "Lab school",
        f"q_{question(c, QuestionKind.multiple_choice).id}": ["Museum", "University"],
        f"q_{question(c, QuestionKind.yes_no).id}": "yes",
    }
    for year in (1, 2, 3, 4):
        data.update({f"y{year}_enrollment": str(60 * year), f"y{year}_per_pupil": "10,000",
                     f"y{year}_other": "50000", f"y{year}_expenses": f"{800_000 * year:,}.50"})
    data.update(changes)
    return data


def edit_url(application):
    return f"/applications/{application.id}/edit"


def test_a_member_saves_the_whole_draft_and_dollars_are_stored_as_cents(make_client, member, application):
    client = make_client(member)
    response = client.post(edit_url(application), data=form_of(application))
    assert response.status_code == 302
    db.session.expire_all()
    assert application.school_name == "Bayou Community School"
    assert application.version == 2
    year2 = db.session.scalar(db.select(FinancialYear).filter_by(application_id=application.id, year_number=2))
    assert (year2.enrollment, year2.per_pupil_revenue_cents, year2.operating_expenses_cents) == (120, 1_000_000, 160_000_050)
    multiple = next(a for a in application.answers if a.question.kind == QuestionKind.multiple_choice)
    assert multiple.choices_value == ["University", "Museum"]  # in the order the challenge lists them
    page = client.get(edit_url(application)).text
    # Coverage is computed on the server too: 120 x $10,000 / $1,600,000.50 = 75%.
    assert re.search(r'data-coverage="2">75%<', page)
    assert 'src="/static/applications.js"' in page and "<script>" not in page
    revision = db.session.scalar(db.select(ApplicationRevision).filter_by(application_id=application.id))
    assert revision.saved_by_id == member.id and any(c["label"] == "School name" for c in revision.changes)


def test_two_members_editing_at_once_the_second_save_is_refused_with_what_changed_and_nothing_lost(
        make_client, lead, member, application):
    lead_client, member_client = make_client(lead), make_client(member)
    # Both open the form at version 1.
    assert 'name="version" type="hidden" value="1"' in lead_client.get(edit_url(application)).text
    assert member_client.get(edit_url(application)).status_code == 200

    first = lead_client.post(edit_url(application), data=form_of(application, school_name="Lead's School"))
    assert first.status_code == 302
    second = member_client.post(edit_url(application), data=form_of(
        application, version="1", school_name="Member's School", neighbourhood="Treme"))

    assert second.status_code == 409
    text = second.text
    assert "Someone else saved first" in text
    assert "Lee Lead saved" in text
    assert "Lead&#39;s School" in text  # the other member's value is shown
    assert "School name <strong class=\"error\">(you changed this too)</strong>" in text
    # The member's own input is still in the form, with the new version so a deliberate save works.
    assert 'value="Member&#39;s School"' in text and 'value="Treme"' in text
    assert 'name="version" type="hidden" value="2"' in text
    db.session.expire_all()
    assert application.school_name == "Lead's School" and application.neighbourhood == "Mid-City"
    assert application.version == 2

    again = member_client.post(edit_url(application), data=form_of(
        application, version="2", school_name="Member's School", neighbourhood="Treme"))
    assert again.status_code == 302
    db.session.expire_all()
    assert application.school_name == "Member's School" and application.version == 3


def test_a_long_answer_over_its_word_limit_is_refused_and_nothing_is_saved(make_client, member, application):
    long_text = question(application.challenge, QuestionKind.long_text)
    response = make_client(member).post(edit_url(application), data=form_of(
        application, **{f"q_{long_text.id}": " ".join(["word"] * 11)}))
    assert response.status_code == 422
    assert "This answer has 11 words; the limit is 10." in response.text
    db.session.expire_all()
    assert application.school_name == "" and application.version == 1 and not application.answers


def test_the_word_limit_is_shown_and_counted_on_the_form(make_client, member, application):
    page = make_client(member).get(edit_url(application)).text
    assert "At most 10 words." in page and "0 of 10 words" in page and 'data-word-limit="10"' in page


@pytest.mark.parametrize("value, message", [
    ("501", "Enter at most 500."), ("-1", "Enter at least 0."), ("lots", "Enter a number"),
    ("NaN", "Enter a number with at most four decimal places."), ("1e400", "Enter a number with at most four"),
])
def test_a_number_outside_its_bounds_is_refused(make_client, member, application, value, message):
    number = question(application.challenge, QuestionKind.number)
    response = make_client(member).post(edit_url(application), data=form_of(application, **{f"q_{number.id}": value}))
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert application.version == 1


@pytest.mark.parametrize("field, value, message", [
    ("school_name", "x" * 201, "At most 200 characters."),
    ("school_name", "Bayou\x00School", "control characters"),
    ("school_name", "Bayou \u202eloohcS", "direction overrides"),
    ("learner_profiles", "a" * 60_000, "Field cannot be longer than"),
    ("launch_year", "2028; DROP TABLE applications;--", "Not a valid integer value."),
    ("target_enrollment", "99999999999999999999999", "between 1 and 100,000"),
    ("y1_per_pupil", "-5", "Enter an amount of zero or more."),
    ("y1_expenses", "1.001", "whole cents"),
    ("y1_other", "1e30", "too large"),
    ("y2_enrollment", "", "fill in all four figures"),
    ("version", "abc", "The form is damaged"),
])
def test_hostile_input_gets_a_clear_message_and_nothing_half_saved(make_client, member, application, field, value, message):
    response = make_client(member).post(edit_url(application), data=form_of(application, **{field: value}))
    assert response.status_code == 422
    assert message in response.text
    db.session.expire_all()
    assert application.version == 1 and application.school_name == "" and not application.financial_years


def test_a_choice_that_was_not_offered_is_refused(make_client, member, application):
    single = question(application.challenge, QuestionKind.single_choice)
    multiple = question(application.challenge, QuestionKind.multiple_choice)
    response = make_client(member).post(edit_url(application), data=form_of(
        application, **{f"q_{single.id}": "<script>alert(1)</script>", f"q_{multiple.id}": ["Museum", "Casino"]}))
    assert response.status_code == 422
    assert "Choose one of the options shown." in response.text and "Choose among the options shown." in response.text
    assert "<script>alert(1)</script>" not in response.text


def test_markup_and_unusual_unicode_are_kept_as_text(make_client, member, application):
    name = "<b>École</b> 'Ñ' 学校 🚀 Robert'); DROP TABLE applications;--"
    client = make_client(member)
    assert client.post(edit_url(application), data=form_of(application, school_name=name)).status_code == 302
    db.session.expire_all()
    assert application.school_name == name
    page = client.get(f"/applications/{application.id}").text
    assert "&lt;b&gt;École&lt;/b&gt;" in page and "<b>École</b>" not in page


def test_a_megabyte_answer_is_refused_with_a_message(make_client, member, application):
    response = make_client(member).post(edit_url(application), data=form_of(application, learner_profiles="a" * 1_100_000))
    assert response.status_code in (413, 422)  # refused by the size cap or the field's length limit
    db.session.expire_all()
    assert application.version == 1


def test_the_checklist_lists_what_is_missing(make_client, member, application):
    page = make_client(member).get(f"/applications/{application.id}").text
    for item in ("School name", "Why this neighbourhood?", "Budget workbook (upload a file)", "Four-year plan: year 4"):
        assert item in page


def test_a_submitted_application_can_no_longer_be_edited(make_client, member, complete_application):
    complete_application.status, complete_application.submitted_at = Status.submitted, complete_application.created_at
    db.session.commit()
    client = make_client(member)
    response = client.post(edit_url(complete_application), data=form_of(complete_application, school_name="Changed"))
    assert response.status_code == 409
    db.session.expire_all()
    assert complete_application.school_name == "Bayou Community School"
    assert client.get(edit_url(complete_application)).status_code == 302


def test_starting_an_application_is_audited_and_only_once_per_challenge(make_client, lead, team, challenge):
    client = make_client(lead)
    response = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": challenge.id})
    assert response.status_code == 302
    again = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": challenge.id})
    assert again.status_code == 409 and "already has an application" in again.text
    for hostile in ("1 OR 1=1", "9" * 40, "-1", ""):
        assert client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": hostile}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="application.started")) == 1


def test_after_a_refused_save_fields_only_the_other_member_changed_take_their_value(make_client, lead, member, application):
    lead_client, member_client = make_client(lead), make_client(member)
    assert lead_client.post(edit_url(application), data=form_of(application)).status_code == 302  # version 2
    db.session.expire_all()
    # Both start from version 2; the lead renames the school, the member changes the neighbourhood.
    assert lead_client.post(edit_url(application), data=form_of(application, school_name="Lead's School")).status_code == 302
    refused = member_client.post(edit_url(application), data=form_of(application, version="2", neighbourhood="Treme"))
    assert refused.status_code == 409
    assert 'value="Lead&#39;s School"' in refused.text  # taken from the lead's save: the member had not touched it
    assert 'value="Treme"' in refused.text             # the member's own change is kept
    assert "(you changed this too)" not in refused.text

    resent = member_client.post(edit_url(application), data=form_of(
        application, version="3", school_name="Lead's School", neighbourhood="Treme"))
    assert resent.status_code == 302
    db.session.expire_all()
    assert (application.school_name, application.neighbourhood, application.version) == ("Lead's School", "Treme", 4)


def test_a_save_that_loses_the_race_in_the_database_is_refused(app, lead, application):
    """Both read version 1; the other save commits first; the compare-and-set refuses ours."""
    from incubator.applications import editing
    from incubator.core.timeutil import utcnow
    import sqlalchemy as sa

    assert application.version == 1
    with db.engine.begin() as other:  # another request's transaction, committed
        other.execute(sa.text("UPDATE applications SET version = 2 WHERE id = :id"), {"id": application.id})
    draft = editing.Draft(core={"school_name": "Late School"})
    with pytest.raises(editing.StaleSave):
        editing.save_draft(application, draft, based_on=1, actor=lead, now=utcnow())
    db.session.rollback()
    db.session.expire_all()
    assert application.school_name == "" and application.version == 2


def test_a_closed_or_future_challenge_cannot_be_started(make_client, lead, team, make_challenge):
    from datetime import timedelta
    from incubator.applications.models import Application
    from incubator.core.timeutil import utcnow

    closed = make_challenge(opens_at=utcnow() - timedelta(days=30), closes_at=utcnow() - timedelta(seconds=1))
    future = make_challenge(opens_at=utcnow() + timedelta(days=1), closes_at=utcnow() + timedelta(days=30),
                            title="Unannounced Secret Challenge")
    client = make_client(lead)
    response = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": closed.id})
    assert response.status_code == 409 and "is not accepting applications now" in response.text
    # A challenge that has not opened is unknown to teams: the same 404 as an id that does not exist.
    response = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": future.id})
    unknown = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": 999_999})
    assert response.status_code == unknown.status_code == 404
    assert "Unannounced Secret Challenge" not in response.text
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0


def test_someone_outside_the_team_cannot_start_an_application_for_it(make_client, make_user, team, challenge):
    from incubator.applications.models import Application

    response = make_client(make_user()).post(f"/applications/teams/{team.id}/applications", data={"challenge_id": challenge.id})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0
