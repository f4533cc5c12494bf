"""Program staff list, filter, sort, page through and export a challenge's applications."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from incubator.applications.models import Answer, FinancialYear
from incubator.applications.states import Status
from incubator.challenges.models import QuestionKind
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def schools(response):
    """The school names in the table, in order."""
    import re

    return re.findall(r'/applications/\d+">([^<]+)</a></td>', response.text)


def test_staff_see_submitted_applications_but_not_drafts(staff_client, open_challenge, make_application):
    make_application(open_challenge, school_name="Bayou Academy")
    make_application(open_challenge, school_name="Draft School", status=Status.draft)
    page = staff_client.get(f"/challenges/{open_challenge.id}/applications")
    assert page.status_code == 200
    assert schools(page) == ["Bayou Academy"]
    assert "1 team still drafting" in page.text


def test_an_empty_list_says_so(staff_client, open_challenge):
    page = staff_client.get(f"/challenges/{open_challenge.id}/applications")
    assert "No application has been submitted yet" in page.text


def test_filter_by_status_and_text(staff_client, open_challenge, make_application):
    make_application(open_challenge, school_name="Bayou Academy", team_name="River Team")
    make_application(open_challenge, school_name="Crescent Prep", team_name="Bayou Builders", status=Status.eligible,
                     screened_at=utcnow())
    make_application(open_challenge, school_name="Treme School", team_name="Second Line", status=Status.withdrawn)
    url = f"/challenges/{open_challenge.id}/applications"

    assert sorted(schools(staff_client.get(url, query_string={"q": "bayou"}))) == ["Bayou Academy", "Crescent Prep"]
    assert schools(staff_client.get(url, query_string={"status": "eligible"})) == ["Crescent Prep"]
    assert schools(staff_client.get(url, query_string={"status": "withdrawn", "q": "second"})) == ["Treme School"]
    nul = staff_client.get(url, query_string={"q": "bay\x00ou"})  # NUL is dropped, never sent to the database
    assert nul.status_code == 200 and sorted(schools(nul)) == ["Bayou Academy", "Crescent Prep"]
    none = staff_client.get(url, query_string={"q": "100%_'; DROP TABLE applications; --"})
    assert none.status_code == 200 and "No application matches these filters" in none.text
    # An unknown status or sort is ignored rather than an error.
    assert len(schools(staff_client.get(url, query_string={"status": "bogus", "sort": "x\x00"}))) == 3


def test_sort_by_submitted_date_school_and_status(staff_client, open_challenge, make_application):
    now = utcnow()
    make_application(open_challenge, school_name="bravo", submitted_at=now - timedelta(days=1), status=Status.ineligible,
                     screening_reason="Out of area", screened_at=now)
    make_application(open_challenge, school_name="Alpha", submitted_at=now - timedelta(days=3))
    make_application(open_challenge, school_name="Charlie", submitted_at=now - timedelta(days=2), status=Status.eligible,
                     screened_at=now)
    url = f"/challenges/{open_challenge.id}/applications"
    assert schools(staff_client.get(url)) == ["bravo", "Charlie", "Alpha"]
    assert schools(staff_client.get(url, query_string={"sort": "submitted_asc"})) == ["Alpha", "Charlie", "bravo"]
    assert schools(staff_client.get(url, query_string={"sort": "school"})) == ["Alpha", "bravo", "Charlie"]
    assert schools(staff_client.get(url, query_string={"sort": "status"})) == ["Charlie", "bravo", "Alpha"]


def test_long_lists_are_paginated(app, staff_client, open_challenge, make_application, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    now = utcnow()
    for n in range(5):
        make_application(open_challenge, school_name=f"School {n}", submitted_at=now - timedelta(hours=n))
    url = f"/challenges/{open_challenge.id}/applications"
    first = staff_client.get(url)
    assert schools(first) == ["School 0", "School 1"] and "Page 1 of 3 (5 in all)" in first.text
    assert schools(staff_client.get(url, query_string={"page": 3})) == ["School 4"]
    assert schools(staff_client.get(url, query_string={"page": "999"})) == []
    assert schools(staff_client.get(url, query_string={"page": "x"})) == ["School 0", "School 1"]


# ---- CSV ------------------------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_csv_has_one_row_per_application_and_a_column_per_question(staff_client, make_challenge, make_application):
    challenge = make_challenge(slug="csv", opens_in=-timedelta(days=1), questions=[
        (QuestionKind.short_text, "Motto"), (QuestionKind.multiple_choice, "Groups engaged"),
        (QuestionKind.number, "Founding staff")])
    motto, groups, staff_count = challenge.questions
    application = make_application(challenge, school_name="Bayou Academy", team_name="River Team", grades="K-5")
    db.session.add_all([
        Answer(application=application, question=motto, text_value="Every child, every day"),
        Answer(application=application, question=groups, choices_value=["Parents", "Teachers"]),
        Answer(application=application, question=staff_count, number_value=Decimal("12.0000")),
        FinancialYear(application=application, year_number=1, enrollment=120, per_pupil_revenue_cents=900_000,
                      other_revenue_cents=5_000_000, operating_expenses_cents=150_000_000),
    ])
    db.session.commit()
    make_application(challenge, school_name="Draft", status=Status.draft)

    header, *rows = read_csv(staff_client.get(f"/challenges/{challenge.id}/applications.csv"))

    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["School name"] == "Bayou Academy" and row["Team"] == "River Team" and row["Grades served"] == "K-5"
    assert row["Status"] == "submitted" and row["Team lead"].endswith("@example.org")
    assert row["Motto"] == "Every child, every day"
    assert row["Groups engaged"] == "Parents; Teachers"
    assert row["Founding staff"] == "12"
    assert row["Year 1 enrollment"] == "120" and row["Year 1 per-pupil revenue"] == "$9,000"
    assert row["Year 1 operating expenses"] == "$1,500,000" and row["Year 4 enrollment"] == ""


@pytest.mark.parametrize("school", ['=HYPERLINK("http://evil.example","Click")', "+1+2", "-3", "@SUM(A1)",
                                    "\tindent", "\rreturn"])
def test_the_csv_is_harmless_in_a_spreadsheet(staff_client, open_challenge, make_application, school):
    make_application(open_challenge, school_name=school, team_name="=cmd|' /C calc'!A0")
    header, row = read_csv(staff_client.get(f"/challenges/{open_challenge.id}/applications.csv"))
    cells = dict(zip(header, row))
    assert cells["School name"] == "'" + school
    assert cells["Team"] == "'=cmd|' /C calc'!A0"


def test_the_csv_follows_the_list_filters(staff_client, open_challenge, make_application):
    make_application(open_challenge, school_name="Bayou Academy")
    make_application(open_challenge, school_name="Crescent Prep")
    header, *rows = read_csv(staff_client.get(f"/challenges/{open_challenge.id}/applications.csv", query_string={"q": "crescent"}))
    assert [dict(zip(header, r))["School name"] for r in rows] == ["Crescent Prep"]


def test_the_list_uses_the_same_number_of_statements_for_few_and_many(app, staff_client, open_challenge, make_application):
    from sqlalchemy import event

    url = f"/challenges/{open_challenge.id}/applications"
    statements = []

    def count(*args):
        statements.append(1)

    def measure():
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert staff_client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_application(open_challenge)
    few = measure()
    for _ in range(12):
        make_application(open_challenge)
    assert measure() == few


def test_the_csv_is_named_by_the_organisations_date_not_utcs(monkeypatch, staff_client, open_challenge):
    from datetime import datetime, timezone

    from incubator.challenges import application_views

    # 03:00 UTC on 2 March is still the evening of 1 March in Chicago.
    monkeypatch.setattr(application_views, "utcnow", lambda: datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc))
    response = staff_client.get(f"/challenges/{open_challenge.id}/applications.csv")
    assert f'filename="{open_challenge.slug}-applications-20260301.csv"' in response.headers["Content-Disposition"]
