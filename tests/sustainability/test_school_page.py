"""The school page: the trajectory, the reports by year, the metrics table with ratings, the chart
and its numbers, the academic outcomes; who may see it."""
import re

import pytest

from incubator.sustainability.states import ReportStatus


def page(client, school):
    response = client.get(f"/sustainability/schools/{school.id}")
    assert response.status_code == 200, response.status_code
    return response.text


def test_finance_sees_the_ratings_the_chart_and_the_reports(make_client, school_world):
    school_world.make_report(1)                                  # coverage 85%, meets 70%
    school_world.make_report(2, operating_expenses_cents=2_125_000_00)  # 1.7M / 2.125M = 80% (meets 80%)
    school_world.make_report(3, ReportStatus.submitted)
    text = page(make_client(school_world.finance), school_world.school)
    assert "Bayou Learning Lab" in text and "K-5" in text and "Added by finance" in text
    assert "85.0%" in text and "80.0%" in text
    assert "Meets standard" in text
    assert "Philanthropic dependence" in text and "20.0%" in text
    assert "52.1 days" in text                                    # 300,000 * 365 / 2,100,000 = 52.14
    assert "1.66" in text                                         # 500,000 / 300,000 = 1.666.. cut, not rounded up
    # The trajectory: 85% then 80%, a line falling 5 points a year -> 70% in year 4: off track.
    assert "Off track" in text and "Coverage 80% in year 2, glide path 80%, projected 70% in year 4" in text
    # The chart, titled for screen readers, and the same numbers as a table.
    assert '<svg role="img"' in text and "Coverage against the glide path" in text
    assert "Projected" in text
    # The reports by year: verified, verified, submitted; year 4 not started.
    assert text.count("Verified") >= 2 and "Submitted" in text and "Not started" in text
    assert "/sustainability/reports/" in text
    # Finance's links; finance does not report.
    assert f"/sustainability/schools/{school_world.school.id}/edit" in text
    assert f"/sustainability/schools/{school_world.school.id}/reporters" in text
    assert f"/sustainability/schools/{school_world.school.id}/report.pdf" in text
    assert "Start year" not in text


def test_a_year_with_zero_expenses_is_undetermined_never_zero(make_client, school_world):
    school_world.make_report(1, operating_expenses_cents=0, total_expenses_cents=0)
    text = page(make_client(school_world.finance), school_world.school)
    assert "Undetermined" in text
    assert re.search(r">-?0\.0(%| days)<", text) is None              # never shown as 0
    coverage_row = text[text.index(">Public revenue coverage<"):]
    assert coverage_row.index("Undetermined") < coverage_row.index("</tr>")
    assert "No verified year with a coverage figure yet." in text


def test_the_academic_outcomes_of_the_latest_verified_year_with_them(make_client, school_world):
    school_world.make_report(1, math_growth_hundredths=120, ela_growth_hundredths=160, college_ready_permille=625)
    school_world.make_report(2, math_growth_hundredths=155, ela_growth_hundredths=None, college_ready_permille=810)
    school_world.make_report(3)  # no outcomes: year 2 is the latest with them
    text = page(make_client(school_world.staff), school_world.school)
    assert "Year 2, the latest verified year" in text
    assert "1.55 years" in text and "81.0%" in text and "1.50 years" in text and "80.0%" in text
    assert "Target met" in text and "Undetermined" in text          # ELA growth missing in year 2
    assert "1.20 years" not in text
    # Staff read, but do not manage.
    assert "/edit" not in text


def test_no_verified_report_shows_the_empty_states(make_client, school_world):
    school_world.make_report(1, ReportStatus.draft)
    text = page(make_client(school_world.finance), school_world.school)
    assert "Undetermined" in text and "No verified report yet" in text
    assert "No verified report gives academic outcomes yet" in text
    assert "Draft" in text


def test_a_reporter_sees_their_school_and_may_start_or_continue_a_report(make_client, school_world):
    school_world.make_report(1)
    school_world.make_report(2, ReportStatus.returned)
    text = page(make_client(school_world.reporter), school_world.school)
    sid = school_world.school.id
    assert "Returned for changes" in text
    assert f"/sustainability/schools/{sid}/years/2/report" in text and "Continue year 2 report" in text
    assert "Start year 3 report" in text                           # opened 2024: year 3 is under way or past
    assert f"/sustainability/schools/{sid}/edit" not in text and "/reporters" not in text
    # A team member reports too.
    assert "Continue year 2 report" in page(make_client(school_world.member), school_world.school)


def test_a_correction_in_progress_leaves_the_verified_figures(make_client, school_world):
    school_world.make_report(1)
    school_world.make_report(1, ReportStatus.submitted, revision=2, operating_expenses_cents=1_000_000_00)
    text = page(make_client(school_world.finance), school_world.school)
    assert "85.0%" in text and "170.0%" not in text
    assert "counts until the correction is verified" in text and "(revision 2)" in text


@pytest.fixture
def outsider_reporter(school_world, make_user):
    """A reporter of another school of the same organisation."""
    from incubator.extensions import db
    from incubator.sustainability.models import SchoolReporter

    other = school_world.make_school("Second Line Academy")
    person = make_user("elsewhere@example.org", name="Ezra Elsewhere")
    db.session.add(SchoolReporter(school_id=other.id, user_id=person.id))
    db.session.commit()
    return person


@pytest.mark.parametrize("who", ["other_org_finance", "outsider_reporter", "stranger"])
def test_others_get_404(make_client, school_world, who, request, make_user):
    school_world.make_report(1)
    user = make_user("stranger@example.org") if who == "stranger" else request.getfixturevalue(who)
    response = make_client(user).get(f"/sustainability/schools/{school_world.school.id}")
    assert response.status_code == 404
    assert "Bayou Learning Lab" not in response.text


def test_a_signed_out_visitor_gets_404_whether_the_school_exists_or_not(make_client, school_world):
    client = make_client()
    for school_id in (school_world.school.id, 999_999):
        response = client.get(f"/sustainability/schools/{school_id}")
        assert response.status_code == 404 and "Bayou Learning Lab" not in response.text


def test_a_missing_school_is_404(make_client, school_world):
    assert make_client(school_world.finance).get("/sustainability/schools/999999").status_code == 404
    assert make_client(school_world.finance).get(f"/sustainability/schools/{2**40}").status_code == 404


def test_the_page_works_on_a_phone(make_client, school_world):
    """Wide tables sit in a horizontal scroller; every table has a caption for screen readers."""
    school_world.make_report(1)
    text = page(make_client(school_world.finance), school_world.school)
    assert text.count('<div class="table-wrap">') == text.count("<table")
    assert text.count("<caption") == text.count("<table")
