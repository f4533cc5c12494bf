"""The "Schools" / "Your schools" links and the dashboard panels: what waits on a school's
reporter (a late year, a returned report), and the reports finance has to verify."""
from incubator.sustainability.states import ReportStatus

PORTFOLIO_LINK = '<a href="/sustainability/portfolio"'
SCHOOLS_LINK = '<a href="/sustainability/"'


def test_the_links_are_there_for_finance_staff_and_reporters_only(make_client, make_user, school_world):
    for person in (school_world.finance, school_world.staff):
        assert PORTFOLIO_LINK in make_client(person).get("/dashboard").text, person.email
    for person in (school_world.lead, school_world.member, school_world.reporter):
        text = make_client(person).get("/dashboard").text
        assert SCHOOLS_LINK in text and PORTFOLIO_LINK not in text, person.email
    outsider = make_user("outsider@example.org")
    text = make_client(outsider).get("/dashboard").text
    assert SCHOOLS_LINK not in text and PORTFOLIO_LINK not in text and "Your school reports" not in text


def test_a_reporter_sees_the_late_year_then_the_returned_report(make_client, school_world):
    # Opened in 2024: year 1 (fiscal 2024-25) was due on 31 October 2025 and is not started.
    school = school_world.school
    text = make_client(school_world.reporter).get("/dashboard").text
    assert "Your school reports" in text
    assert f"<strong>{school.name}</strong>, year 1 report:" in text and "due 31 October 2025" in text
    assert "late" in text and f"/sustainability/schools/{school.id}/years/1/report" in text
    school_world.make_report(1, ReportStatus.verified)
    school_world.make_report(2, ReportStatus.returned)
    text = make_client(school_world.lead).get("/dashboard").text
    assert "year 2 report:" in text and "returned by finance" in text
    assert f"/sustainability/schools/{school.id}/years/2/report" in text


def test_finance_sees_how_many_reports_await_verification(make_client, school_world, other_org_finance):
    assert "Annual reports to verify" not in make_client(school_world.finance).get("/dashboard").text
    school_world.make_report(1, ReportStatus.submitted)
    text = make_client(school_world.finance).get("/dashboard").text
    assert "Annual reports to verify" in text and "1 annual report awaits your verification." in text
    assert "Annual reports to verify" not in make_client(other_org_finance).get("/dashboard").text
    assert "Annual reports to verify" not in make_client(school_world.staff).get("/dashboard").text
