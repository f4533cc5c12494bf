"""The sustainability settings: finance only, checked field by field, saved whole or not at all,
audited with the values before and after, and used by the dashboard at once."""
import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.audit_words import sentences
from incubator.extensions import db
from incubator.sustainability import portfolio
from incubator.sustainability.models import SustainabilitySettings, settings_of
from incubator.sustainability.states import Status

GOOD = {"glide_year_1": "75", "glide_year_2": "85", "glide_year_3": "95", "glide_year_4": "100",
        "city_enrollment": "44900", "report_due_month": "11", "report_due_day": "15"}


def url(w):
    return f"/sustainability/portfolio/{w.org.id}/settings"


def saved(w):
    return db.session.get(SustainabilitySettings, w.org.id)


def test_finance_sees_the_defaults_and_saves_new_settings(school_world, make_client):
    client = make_client(school_world.finance)
    page = client.get(url(school_world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name, value in (("glide_year_1", "70"), ("glide_year_4", "100"), ("report_due_day", "31")):
        assert f'name="{name}"' in html and f'value="{value}"' in html
    assert '<label for="city_enrollment">City public-school enrollment</label>' in html
    response = client.post(url(school_world), data=GOOD)
    assert response.status_code == 302
    row = saved(school_world)
    assert (row.glide_path, row.city_enrollment, row.report_due_month, row.report_due_day) == (
        (75, 85, 95, 100), 44_900, 11, 15)
    assert row.updated_by_id == school_world.finance.id
    assert "Settings saved." in client.get(url(school_world)).get_data(as_text=True)


def test_the_change_is_audited_with_before_and_after(app, school_world, make_client):
    make_client(school_world.finance).post(url(school_world), data=GOOD)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "sustainability.settings.changed")).one()
    assert event.organisation_id == school_world.org.id and event.actor_id == school_world.finance.id
    assert event.details["before"]["glide_year_1"] == 70 and event.details["after"]["glide_year_1"] == 75
    assert event.details["before"]["city_enrollment"] is None
    assert event.details["after"]["city_enrollment"] == 44_900
    with app.test_request_context():
        sentence = str(sentences([event])[0])
    assert "changed the sustainability settings of" in sentence
    assert "glide path year 1 70 \u2192 75" in sentence and "city enrollment unset \u2192 44900" in sentence


def test_saving_the_same_values_changes_nothing(school_world, make_client):
    client = make_client(school_world.finance)
    client.post(url(school_world), data=GOOD)
    client.post(url(school_world), data=GOOD)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sustainability.settings.changed")) == 1


def test_the_city_enrollment_may_be_cleared(school_world, make_client):
    client = make_client(school_world.finance)
    client.post(url(school_world), data=GOOD)
    assert client.post(url(school_world), data={**GOOD, "city_enrollment": ""}).status_code == 302
    assert saved(school_world).city_enrollment is None


@pytest.mark.parametrize("changes, message", [
    ({"glide_year_1": "0"}, "Enter a percent from 1 to 200."),
    ({"glide_year_2": "201"}, "Enter a percent from 1 to 200."),
    ({"glide_year_3": ""}, "Give year 3&#39;s target."),
    ({"glide_year_4": "99.5"}, "Enter year 4&#39;s target as a whole percent, like 80."),
    ({"glide_year_1": "\u0661\u0662"}, "Enter year 1&#39;s target as a whole percent, like 80."),
    ({"glide_year_1": "-5"}, "Enter year 1&#39;s target as a whole percent, like 80."),
    ({"city_enrollment": "0"}, "Enter a number from 1 to 10,000,000."),
    ({"city_enrollment": "99999999999999999999"}, "Enter the number of students as a whole number"),
    ({"city_enrollment": "lots"}, "Enter the number of students as a whole number"),
    ({"report_due_month": "13"}, "Not a valid choice"),
    ({"report_due_day": "0"}, "Enter a day from 1 to 31."),
    ({"report_due_month": "2", "report_due_day": "30"}, "February has 29 days."),
    ({"report_due_month": "4", "report_due_day": "31"}, "April has 30 days."),
    ({"glide_year_3": "75"}, "Year 3 (75%) is below year 2 (85%)."),
])
def test_bad_input_re_shows_the_form_and_saves_nothing(school_world, make_client, changes, message):
    response = make_client(school_world.finance).post(url(school_world), data={**GOOD, **changes})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Please correct the highlighted fields." in html
    assert 'aria-invalid="true"' in html
    assert saved(school_world) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sustainability.settings.changed")) == 0


def test_29_february_is_allowed(school_world, make_client):
    response = make_client(school_world.finance).post(url(school_world),
                                                      data={**GOOD, "report_due_month": "2", "report_due_day": "29"})
    assert response.status_code == 302
    assert (saved(school_world).report_due_month, saved(school_world).report_due_day) == (2, 29)


def test_a_falling_glide_path_is_kept_only_when_finance_says_so(school_world, make_client):
    data = {**GOOD, "glide_year_3": "80", "allow_falling": "y"}
    assert make_client(school_world.finance).post(url(school_world), data=data).status_code == 302
    assert saved(school_world).glide_path == (75, 85, 80, 100)


def test_a_forged_form_is_refused(school_world, make_client):
    response = make_client(school_world.finance).post(url(school_world), data={**GOOD, "csrf_token": "forged"})
    assert response.status_code in (400, 422)
    assert saved(school_world) is None


@pytest.mark.parametrize("who", ["staff", "reporter", "lead", "other_org_finance"])
def test_only_finance_of_the_organisation_has_the_settings(school_world, make_client, other_org_finance, who):
    user = other_org_finance if who == "other_org_finance" else getattr(school_world, who)
    client = make_client(user)
    assert client.get(url(school_world)).status_code == 404
    assert client.post(url(school_world), data=GOOD).status_code == 404
    assert saved(school_world) is None


def test_a_signed_out_visitor_gets_nothing(school_world, client):
    for response in (client.get(url(school_world)), client.post(url(school_world), data=GOOD)):
        assert response.status_code in (400, 404) or "/login" in response.headers["Location"]
    assert saved(school_world) is None


def test_an_unknown_organisation_is_404(school_world, make_client):
    assert make_client(school_world.finance).get("/sustainability/portfolio/999999/settings").status_code == 404


def test_the_dashboard_uses_the_new_glide_path(school_world, make_client):
    school_world.make_report(1)  # coverage 85%: on track against 70%
    client = make_client(school_world.finance)
    page = client.get(f"/sustainability/portfolio/{school_world.org.id}").get_data(as_text=True)
    assert "Coverage 85% in year 1, glide path 70%" in page
    client.post(url(school_world), data={**GOOD, "glide_year_1": "90", "glide_year_2": "95"})
    assert settings_of(school_world.org.id).glide_path == (90, 95, 95, 100)
    board = portfolio.build(school_world.org.id, portfolio.Filters())
    assert board.totals.counts[Status.at_risk] == 1  # 85% is below 90%, not more than 10 points
    page = client.get(f"/sustainability/portfolio/{school_world.org.id}").get_data(as_text=True)
    assert "Coverage 85% in year 1, glide path 90%" in page
    assert "(glide 90%)" in page
    csv_text = client.get(f"/sustainability/portfolio/{school_world.org.id}/schools.csv").get_data(as_text=True)
    assert "At risk" in csv_text and ",90,95,95,100" in csv_text
