"""CSV imports of schools and past reports: all or nothing, as finance sees it."""
import io
import json

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.imports import ImportRun, ImportStatus
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import figures, import_jobs
from incubator.sustainability.models import AnnualReport, SchoolReporter
from incubator.sustainability.states import ReportStatus, SchoolSource

REPORT_HEADER = ("school,year,fiscal_year,budgeted_enrollment,actual_enrollment,public_state_local,public_federal,"
                 "philanthropic,other_revenue,operating_expenses,total_expenses,unrestricted_cash,current_assets,"
                 "current_liabilities,math_growth,ela_growth,college_ready\n")
# The conftest's FIGURES, in dollars.
REPORT_VALUES = "200,190,\"1,500,000\",200000,400000,10000,2000000,$2100000,300000,500000,300000.50"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def upload(client, org, body: str | bytes, kind: str = "schools", name: str = "file.csv"):
    raw = body.encode() if isinstance(body, str) else body
    return client.post(f"/sustainability/portfolio/{org.id}/import", data={"kind": kind, "file": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data")


def last_run() -> ImportRun:
    return db.session.scalars(sa.select(ImportRun).order_by(ImportRun.id.desc())).first()


@pytest.fixture
def finance_client(school_world, make_client):
    return make_client(school_world.finance)


# ---- schools -----------------------------------------------------------------------------------


def test_finance_imports_schools_with_their_reporters(school_world, finance_client, run_jobs):
    world = school_world
    body = ("name,grades,opening_year,target_enrollment,reporter_emails\n"
            "Second Line Academy,K-5,2025,300,rita@example.org; LEAD@example.org\n"
            "Tremé Prep,9-12,2026,,\n")
    response = upload(finance_client, world.org, "\ufeff" + body, name="schools.csv")
    run = last_run()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sustainability/imports/{run.id}")
    assert run.status is ImportStatus.queued and run.created_by_id == world.finance.id
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "waiting to be checked" in page and "data-refresh-after" in page

    run_jobs()
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "Imported." in page and "2 schools created" in page
    created = {s.name: s for s in db.session.scalars(sa.select(School).where(School.source == SchoolSource.imported))}
    assert set(created) == {"Second Line Academy", "Tremé Prep"}
    second = created["Second Line Academy"]
    assert (second.grades, second.planned_opening_year, second.target_enrollment) == ("K-5", 2025, 300)
    assert created["Tremé Prep"].target_enrollment is None
    assert f'href="/sustainability/schools/{second.id}"' in page
    reporters = set(db.session.scalars(sa.select(SchoolReporter.user_id).where(SchoolReporter.school_id == second.id)))
    assert reporters == {world.reporter.id, world.lead.id}
    run = db.session.get(ImportRun, run.id)
    assert (run.status, run.total_rows, run.done_rows, run.saved_rows) == (ImportStatus.done, 2, 2, 2)
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "sustainability.import.finished")))
    assert len(events) == 1 and events[0].details["schools"] == 2 and events[0].actor_id == world.finance.id


def test_a_bad_row_refuses_the_whole_file_of_schools(school_world, finance_client, run_jobs):
    world = school_world
    schools, reporters = count(School), count(SchoolReporter)
    body = ("name,grades,opening_year,reporter_emails\n"
            "Fine School,K-5,2025,rita@example.org\n"           # fine, but the file fails: not saved either
            "bayou  learning lab,K-5,2025,\n"                    # the organisation has it already
            "Fine School,6-8,2026,\n"                            # twice in the file
            "Third School,K-5,twenty,nobody@example.org\n")      # a bad year and an unknown person
    upload(finance_client, world.org, body)
    run_jobs()
    run = last_run()
    assert run.status is ImportStatus.failed
    assert (count(School), count(SchoolReporter)) == (schools, reporters)
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "Nothing was saved." in page
    # The parser stops a file at its first bad cells: the year comes first, then the database checks.
    assert "Enter a year from 1,990 to 2,200" in page
    fixed = body.replace("twenty", "2027")
    upload(finance_client, world.org, fixed)
    run_jobs()
    run = last_run()
    assert run.status is ImportStatus.failed and count(School) == schools
    rows = [(e["row"], e["column"]) for e in json.loads(run.errors)]
    assert rows == [(3, "name"), (4, "name"), (5, "reporter_emails")]
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "already has a school called" in page and "Row 2 has a school of the same name" in page
    assert "No one has an account with nobody@example.org" in page
    assert not db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "sustainability.import.finished"))


def test_a_file_with_a_wrong_header_says_which_column(school_world, finance_client, run_jobs):
    upload(finance_client, school_world.org, "school_name,grades\nX,K-5\n")
    run_jobs()
    run = last_run()
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert run.status is ImportStatus.failed
    assert "Unknown column" in page and "opening_year" in page and "This column is missing" in page


# ---- past reports ------------------------------------------------------------------------------


def test_finance_imports_past_reports_that_arrive_verified_and_count(school_world, finance_client, run_jobs):
    world = school_world
    body = (REPORT_HEADER
            + f"Bayou Learning Lab,1,2025,{REPORT_VALUES},1.5,1.25,62.5%\n"
            + f"Bayou Learning Lab,2,2026,{REPORT_VALUES},,,\n")
    upload(finance_client, world.org, body, kind="reports")
    run_jobs()
    run = last_run()
    assert run.status is ImportStatus.done, run.errors
    reports = list(db.session.scalars(sa.select(AnnualReport).order_by(AnnualReport.year)))
    assert [(r.year, r.status, r.imported, r.verified_by_id) for r in reports] == [
        (1, ReportStatus.verified, True, world.finance.id), (2, ReportStatus.verified, True, world.finance.id)]
    first = reports[0]
    assert (first.public_state_local_cents, first.total_expenses_cents, first.current_liabilities_cents) == (
        1_500_000_00, 2_100_000_00, 300_000_50)
    assert (first.math_growth_hundredths, first.ela_growth_hundredths, first.college_ready_permille) == (150, 125, 625)
    assert reports[1].math_growth_hundredths is None
    years = figures.verified_years([world.school.id])[world.school.id]
    assert [f.year for f in years] == [1, 2]
    assert years[0].public_state_local_cents == 1_500_000_00
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "2 verified reports added" in page
    assert f'href="/sustainability/reports/{first.id}"' in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "sustainability.import.finished"))
    assert event.details["reports"] == 2


def test_a_bad_report_row_saves_no_report(school_world, finance_client, run_jobs):
    world = school_world
    world.make_report(1, ReportStatus.submitted)
    before = count(AnnualReport)
    body = (REPORT_HEADER
            + f"Bayou Learning Lab,2,2026,{REPORT_VALUES},,,\n"     # fine alone
            + f"Bayou Learning Lab,1,2025,{REPORT_VALUES},,,\n"     # year 1 has a report already
            + f"Bayou Learning Lab,2,2026,{REPORT_VALUES},,,\n"     # twice in the file
            + f"Nowhere High,1,2025,{REPORT_VALUES},,,\n")          # no such school
    upload(finance_client, world.org, body, kind="reports")
    run_jobs()
    run = last_run()
    assert run.status is ImportStatus.failed and count(AnnualReport) == before
    page = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "Nothing was saved." in page
    assert "already has a year 1 report" in page and "Row 2 has the same school and year" in page
    assert "has no school called “Nowhere High”" in page


def test_missing_figures_and_bad_amounts_name_the_cell(school_world, finance_client, run_jobs):
    body = REPORT_HEADER + "Bayou Learning Lab,5,2025,200,,-5,200000,400000,10000,2000000,2100000,300000,1.005,x,,,\n"
    upload(finance_client, school_world.org, body, kind="reports")
    run_jobs()
    run = last_run()
    cells = {e["column"]: e["message"] for e in json.loads(run.errors)}
    assert set(cells) == {"year", "actual_enrollment", "public_state_local", "current_assets", "current_liabilities"}
    assert cells["actual_enrollment"] == "This is required."
    assert count(AnnualReport) == 0


def test_reports_of_another_organisations_school_are_not_found(school_world, finance_client, run_jobs,
                                                              other_org_finance):
    other = school_world.make_school("Far Away School", org=other_org_finance.memberships[0].organisation)
    upload(finance_client, school_world.org, REPORT_HEADER + f"{other.name},1,2025,{REPORT_VALUES},,,\n",
           kind="reports")
    run_jobs()
    assert last_run().status is ImportStatus.failed and count(AnnualReport) == 0


# ---- the upload, the job, the template ---------------------------------------------------------


@pytest.mark.parametrize("raw, words", [
    (b"name,grades\n\xff\xfe\n", "not UTF-8"),
    (b"", "empty"),
    (b"name\x00,grades\n", "NUL"),
])
def test_a_file_that_is_not_utf8_csv_is_refused_on_the_form(school_world, finance_client, raw, words):
    response = upload(finance_client, school_world.org, raw)
    assert response.status_code == 422 and words in response.text
    assert 'aria-invalid="true"' in response.text
    assert count(ImportRun) == 0


def test_the_form_needs_a_file_and_a_kind(school_world, finance_client):
    response = finance_client.post(f"/sustainability/portfolio/{school_world.org.id}/import",
                                   data={"kind": "schools"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV file" in response.text
    response = upload(finance_client, school_world.org, "name\nX\n", kind="grants")
    assert response.status_code == 422 and "Not a valid choice" in response.text
    assert count(ImportRun) == 0


def test_a_file_over_the_limit_is_refused(school_world, finance_client):
    from incubator.core.imports import MAX_FILE_BYTES

    response = upload(finance_client, school_world.org, b"name\n" + b"x" * MAX_FILE_BYTES)
    assert response.status_code == 422 and "larger than 5 MB" in response.text
    assert count(ImportRun) == 0


def test_the_page_lists_recent_runs_and_shows_progress_while_running(school_world, finance_client):
    world = school_world
    run = ImportRun(organisation_id=world.org.id, kind="sustainability.reports", file_name="past.csv", content="x",
                    status=ImportStatus.running, total_rows=10, done_rows=3, created_by_id=world.finance.id)
    db.session.add(run)
    db.session.commit()
    page = finance_client.get(f"/sustainability/portfolio/{world.org.id}/import")
    assert page.status_code == 200 and "past.csv" in page.text and "Importing" in page.text
    assert 'enctype="multipart/form-data"' in page.text and 'name="csrf_token"' in page.text
    running = finance_client.get(f"/sustainability/imports/{run.id}").text
    assert "3 of 10 checked" in running and "data-refresh-after" in running


def test_the_job_imports_a_file_once(school_world, finance_client, run_jobs):
    upload(finance_client, school_world.org, "name,grades,opening_year\nOnce School,K-5,2025\n")
    run = last_run()
    run_jobs()
    import_jobs.run_import(run.id)  # again, as a retry or a second worker would
    assert db.session.scalar(sa.select(sa.func.count()).where(School.name == "Once School")) == 1


def test_the_templates_download_and_import_as_they_are(school_world, finance_client, run_jobs):
    response = finance_client.get("/sustainability/import-templates/reports.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == REPORT_HEADER.strip() and lines[1].startswith("Bayou Learning Lab,1,")
    upload(finance_client, school_world.org, response.get_data(), kind="reports")
    run_jobs()
    assert last_run().status is ImportStatus.done and count(AnnualReport) == 1
    schools = finance_client.get("/sustainability/import-templates/schools.csv").get_data(as_text=True)
    assert schools.lstrip("\ufeff").startswith("name,grades,opening_year,target_enrollment,reporter_emails")
    assert finance_client.get("/sustainability/import-templates/grants.csv").status_code == 404


# ---- who may ----------------------------------------------------------------------------------


def test_only_finance_of_the_organisation_reaches_the_imports(school_world, make_client, other_org_finance):
    world = school_world
    run = ImportRun(organisation_id=world.org.id, kind="sustainability.schools", file_name="s.csv",
                    content="name\n", created_by_id=world.finance.id)
    db.session.add(run)
    db.session.commit()
    start, page = f"/sustainability/portfolio/{world.org.id}/import", f"/sustainability/imports/{run.id}"
    for person in (world.staff, world.reporter, world.lead, other_org_finance):
        client = make_client(person)
        assert client.get(start).status_code == 404
        assert client.get(page).status_code == 404
        assert upload(client, world.org, "name,grades,opening_year\nX,K-5,2025\n").status_code == 404
    for person in (world.staff, world.reporter):
        assert make_client(person).get("/sustainability/import-templates/schools.csv").status_code == 404
    visitor = make_client()
    for url in (start, page, "/sustainability/import-templates/schools.csv"):
        assert visitor.get(url).status_code == 404, url  # a page about one thing: 404, with a way to sign in
    assert count(ImportRun) == 1


def test_a_post_without_the_csrf_token_is_refused(school_world, finance_client):
    response = finance_client.post(f"/sustainability/portfolio/{school_world.org.id}/import", csrf=False,
                                   data={"kind": "schools", "file": (io.BytesIO(b"name\nX\n"), "s.csv")},
                                   content_type="multipart/form-data")
    assert response.status_code == 400 and count(ImportRun) == 0


def test_a_report_saved_meanwhile_fails_the_import_and_saves_none_of_it(school_world, finance_client, monkeypatch):
    import dataclasses

    from incubator.core import csv_import
    from incubator.sustainability import imports

    def check_then_someone_reports(rows, run, progress=None):
        errors = imports.check_reports(rows, run, progress)
        school_world.make_report(2, ReportStatus.verified)  # another request, between the check and the save
        return errors

    monkeypatch.setitem(csv_import._IMPORTERS, imports.KINDS["reports"],
                        dataclasses.replace(imports.REPORTS, check=check_then_someone_reports))
    body = REPORT_HEADER + "".join(f"Bayou Learning Lab,{year},{2024 + year},{REPORT_VALUES},,,\n" for year in (1, 2))
    upload(finance_client, school_world.org, body, kind="reports")
    import_jobs.run_import(last_run().id)
    run = last_run()
    assert run.status is ImportStatus.failed and "changed while the file was being imported" in run.errors
    assert [r.year for r in db.session.scalars(sa.select(AnnualReport))] == [2]


def test_an_unexpected_error_marks_the_run_failed_and_is_raised(school_world, finance_client, monkeypatch):
    import dataclasses

    from incubator.core import csv_import
    from incubator.sustainability import imports

    def broken(rows, run, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setitem(csv_import._IMPORTERS, imports.KINDS["schools"],
                        dataclasses.replace(imports.SCHOOLS, check=broken))
    upload(finance_client, school_world.org, "name,grades,opening_year\nX,K-5,2025\n")
    with pytest.raises(RuntimeError, match="boom"):
        import_jobs.run_import(last_run().id)
    run = last_run()
    assert run.status is ImportStatus.failed and run.finished_at is not None and "Nothing was saved" in run.errors
    assert db.session.scalar(sa.select(sa.func.count()).where(School.name == "X")) == 0
