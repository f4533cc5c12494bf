"""The school's and the portfolio's PDFs: made by a job once per fingerprint of the verified
figures, downloaded when made, a "being prepared" page until then; others get 404 and no job runs."""
import shutil
import subprocess

import pytest

from incubator.core.pdf import pdf_dir
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import pdf_jobs, pdfs
from incubator.sustainability.models import AnnualReport, SchoolReporter, SustainabilitySettings
from incubator.sustainability.states import ReportStatus, SchoolSource
from tests.sustainability.conftest import FIGURES


@pytest.fixture(autouse=True)
def _no_earlier_pdfs():
    """The test session's PDF folder outlives each test's database (whose ids start again)."""
    for path in pdf_dir().glob("sustainability-*.pdf"):
        path.unlink()


def finished_pdf_jobs() -> int:
    from incubator.core.jobs import queue

    return queue("pdf").finished_job_registry.count


def files(prefix: str, object_id: int) -> list[str]:
    return sorted(p.name for p in pdf_dir().glob(f"sustainability-{prefix}-{object_id}-*.pdf"))


def pdf_text(content: bytes, tmp_path) -> str:
    assert content.startswith(b"%PDF")
    source = tmp_path / "doc.pdf"
    source.write_bytes(content)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True)
        return " ".join(out.stdout.split())
    import io

    from pypdf import PdfReader
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def test_the_school_pdf_is_made_by_a_job_once_and_holds_the_figures(make_client, school_world, run_jobs, tmp_path):
    school_world.make_report(1, math_growth_hundredths=160, college_ready_permille=700)
    school_world.make_report(2, operating_expenses_cents=2_125_000_00)
    client = make_client(school_world.finance)
    url = f"/sustainability/schools/{school_world.school.id}/report.pdf"
    pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.text and "data-refresh-after" in pending.text
    assert "being prepared" in client.get(url).text  # reloading does not queue it again
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 1 and len(files("school", school_world.school.id)) == 1
    done = client.get(url)
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    assert done.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(done.data, tmp_path)
    assert "Bayou Learning Lab" in text and "Off track" in text
    assert "Coverage 80% in year 2, glide path 80%, projected 70% in year 4" in text
    assert "85.0%" in text and "Meets standard" in text and "52.1 days" in text
    assert "Coverage against the glide path" in text       # the chart's title, drawn in the PDF
    assert "1.60 years" in text and "70.0%" in text and "Below target" in text
    assert pdf_jobs.render_school_report(school_world.school.id, pdf_jobs.school_fingerprint(school_world.school)) \
        == "already made"


def test_a_newly_verified_report_needs_a_new_pdf(make_client, school_world, run_jobs, tmp_path):
    client = make_client(school_world.staff)
    url = f"/sustainability/schools/{school_world.school.id}/report.pdf"
    client.get(url)
    run_jobs(["pdf"])
    assert client.get(url).mimetype == "application/pdf"
    school_world.make_report(1, ReportStatus.submitted)    # not verified: the PDF still holds
    assert client.get(url).mimetype == "application/pdf"
    report = school_world.make_report(2)
    assert report.status == ReportStatus.verified
    changed = client.get(url)
    assert changed.mimetype == "text/html" and "being prepared" in changed.text
    run_jobs(["pdf"])
    assert "85.0%" in pdf_text(client.get(url).data, tmp_path)
    assert len(files("school", school_world.school.id)) == 2


def test_asking_again_queues_it_again_and_makes_one_file(make_client, school_world, run_jobs):
    client = make_client(school_world.reporter)             # a reporter may print their school too
    url = f"/sustainability/schools/{school_world.school.id}/report.pdf"
    client.get(url)
    asked = client.post(url)
    assert asked.status_code == 302 and asked.location.endswith(url)
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 2 and len(files("school", school_world.school.id)) == 1


def test_the_job_for_a_deleted_school_does_nothing(school_world):
    assert pdf_jobs.render_school_report(999_999, "0" * 16) == "nothing to do"
    assert pdf_jobs.render_portfolio_report(999_999, "0" * 16) == "nothing to do"


def test_the_portfolio_pdf_has_the_totals_and_every_school(make_client, school_world, run_jobs, tmp_path):
    db.session.add(SustainabilitySettings(organisation_id=school_world.org.id, city_enrollment=10_000))
    db.session.commit()
    school_world.make_report(1)
    second = school_world.make_school("Second Line Academy", opening_year=2021)
    for year in (1, 2, 3):
        school_world.make_report(year, school=second)
    school_world.make_report(4, school=second, public_state_local_cents=2_000_000_00)  # 2.2M / 2M: sustainable
    school_world.make_school("Tremé Prep")                   # no report: undetermined
    client = make_client(school_world.finance)
    url = f"/sustainability/portfolio/{school_world.org.id}/report.pdf"
    pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.text
    run_jobs(["pdf"])
    done = client.get(url)
    assert done.mimetype == "application/pdf"
    text = pdf_text(done.data, tmp_path)
    assert "Portfolio sustainability report: New Schools for New Orleans" in text
    assert "On track 2" in text and "Undetermined 1" in text and "All schools 3" in text
    assert "1 of the 1 school(s) with a verified year 4" in text and "100.0%" in text
    # Students: 190 + 190 of 10,000 = 3.8%: the 2% target reached, 5% and 30% not yet.
    assert "380 students in portfolio schools" in text and "3.8%" in text
    assert "2.0% 200 Yes" in text and "5.0% 500 Not yet" in text and "30.0% 3,000 Not yet" in text
    for name in ("Bayou Learning Lab", "Second Line Academy", "Tremé Prep"):
        assert f"Coverage: {name}" in text                    # each school's chart
    assert "No verified year with a coverage figure yet." in text
    # Program staff may have it too.
    assert make_client(school_world.staff).get(url).mimetype == "application/pdf"


def test_a_renamed_school_needs_a_new_portfolio_pdf(make_client, school_world, run_jobs):
    client = make_client(school_world.finance)
    url = f"/sustainability/portfolio/{school_world.org.id}/report.pdf"
    client.get(url)
    run_jobs(["pdf"])
    assert client.get(url).mimetype == "application/pdf"
    school_world.school.name = "Bayou Learning Lab Upper"
    db.session.commit()
    assert "being prepared" in client.get(url).text


def test_hostile_names_still_render(school_world):
    school_world.school.name = "<b>Bold</b> & \x07 \u202e school \U0001F600"
    db.session.commit()
    school_world.make_report(1)
    assert pdf_jobs.school_bytes(school_world.school).startswith(b"%PDF")
    assert pdf_jobs.portfolio_bytes(school_world.org).startswith(b"%PDF")


@pytest.fixture
def outsider_reporter(school_world, make_user):
    other = school_world.make_school("Second Line Academy")
    person = make_user("elsewhere@example.org")
    db.session.add(SchoolReporter(school_id=other.id, user_id=person.id))
    db.session.commit()
    return person


@pytest.mark.parametrize("who", ["other_org_finance", "outsider_reporter", "stranger", "signed_out"])
def test_others_get_404_and_no_job_runs(make_client, school_world, run_jobs, request, make_user, who):
    school_world.make_report(1)
    if who == "signed_out":
        client = make_client()
    else:
        user = make_user("stranger@example.org") if who == "stranger" else request.getfixturevalue(who)
        client = make_client(user)
    for path in (f"/sustainability/schools/{school_world.school.id}/report.pdf",
                 f"/sustainability/portfolio/{school_world.org.id}/report.pdf"):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 0
    assert files("school", school_world.school.id) == [] and files("portfolio", school_world.org.id) == []


def test_asking_without_the_csrf_token_is_refused_and_queues_nothing(make_client, school_world, run_jobs):
    client = make_client(school_world.finance)
    for path in (f"/sustainability/schools/{school_world.school.id}/report.pdf",
                 f"/sustainability/portfolio/{school_world.org.id}/report.pdf"):
        assert client.post(path, csrf=False).status_code == 400
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 0


def test_finance_without_the_second_factor_is_sent_to_set_it_up(make_client, school_world):
    client = make_client(school_world.finance)
    school_world.finance.two_factor_enabled_at = None
    db.session.commit()
    for path in (f"/sustainability/schools/{school_world.school.id}",
                 f"/sustainability/schools/{school_world.school.id}/report.pdf",
                 f"/sustainability/portfolio/{school_world.org.id}/report.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/two-factor/setup" in response.location


def test_a_reporter_does_not_get_the_portfolio(make_client, school_world):
    url = f"/sustainability/portfolio/{school_world.org.id}/report.pdf"
    assert make_client(school_world.reporter).get(url).status_code == 404
    assert make_client(school_world.finance).get("/sustainability/portfolio/999999/report.pdf").status_code == 404


def test_a_hundred_schools_each_have_their_section(school_world, tmp_path):
    """The portfolio PDF of 100 schools x 4 years holds every school, a page each (how long it
    takes is measured in bench/, scenario "sustainability")."""
    schools = [School(organisation_id=school_world.org.id, name=f"School {n:03d}", grades="K-8",
                      planned_opening_year=2020 + n % 4, source=SchoolSource.direct) for n in range(99)]
    db.session.add_all(schools)
    db.session.commit()
    now = utcnow()
    db.session.add_all([AnnualReport(school_id=s.id, year=year, status=ReportStatus.verified, submitted_at=now,
                                     verified_at=now, **{**FIGURES, "operating_expenses_cents": 2_000_000_00
                                                         + 50_000_00 * (n % 7) * year})
                        for n, s in enumerate(schools) for year in (1, 2, 3, 4)])
    db.session.commit()
    text = pdf_text(pdfs.render_portfolio(pdf_jobs.portfolio_document(school_world.org)), tmp_path)
    for n in range(99):
        assert f"School {n:03d}" in text
    assert "Page 101 of 101" in text  # the cover, then a page per school
