"""Annual reports as their people use them: a reporter drafts and submits a year, finance returns
it with a comment or verifies it, a verified year is frozen and corrected by a new revision."""
import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.extensions import db
from incubator.sustainability import figures
from incubator.sustainability.models import AnnualReport
from incubator.sustainability.report_forms import ReportForm
from incubator.sustainability.states import ReportStatus

TYPED = {"fiscal_year": "2025", "budgeted_enrollment": "200", "actual_enrollment": "190",
         "public_state_local": "1,500,000.00", "public_federal": "200000", "philanthropic": "$400,000",
         "other_revenue": "10,000.00", "operating_expenses": "2,000,000", "total_expenses": "2,100,000.00",
         "unrestricted_cash": "300,000", "current_assets": "500,000", "current_liabilities": "300,000",
         "math_growth": "1.35", "ela_growth": "1.2", "college_ready": "62.5"}


def form_url(world, year=1, school=None):
    return f"/sustainability/schools/{(school or world.school).id}/years/{year}/report"


def reports_of(world, year=1):
    db.session.expire_all()
    return db.session.scalars(sa.select(AnnualReport).where(AnnualReport.school_id == world.school.id,
                                                            AnnualReport.year == year)
                              .order_by(AnnualReport.revision)).all()


def outbox_to(address):
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == address)).all()


@pytest.fixture
def reporter_client(school_world, make_client):
    return make_client(school_world.reporter)


@pytest.fixture
def finance_client(school_world, make_client):
    return make_client(school_world.finance)


# ---- the form ------------------------------------------------------------------------------------

def test_the_form_proposes_the_fiscal_year_of_the_school_year(school_world, reporter_client):
    page = reporter_client.get(form_url(school_world, 2))
    assert page.status_code == 200
    assert 'value="2026"' in page.text  # opened 2024: year 2 is the fiscal year ending June 2026
    assert "Save draft" in page.text and "Save and submit" in page.text
    assert '<label for="public_state_local"' in page.text


def test_a_reporter_saves_a_draft_with_figures_missing(school_world, reporter_client):
    response = reporter_client.post(form_url(school_world), data={
        "fiscal_year": "2025", "public_state_local": "1,234.56", "version": "", "action": "save"})
    assert response.status_code == 302
    [report] = reports_of(school_world)
    assert report.status == ReportStatus.draft and report.revision == 1
    assert report.public_state_local_cents == 123456 and report.operating_expenses_cents is None
    assert report.created_by_id == school_world.reporter.id
    page = reporter_client.get(form_url(school_world))
    assert 'value="1,234.56"' in page.text and "Draft" in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sustainability.report.saved")) == 1


def test_saving_again_needs_the_version_the_page_showed(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.draft, public_federal_cents=None)
    stale = reporter_client.post(form_url(school_world), data={**TYPED, "version": str(report.version + 5)})
    assert stale.status_code == 409 and "changed this report" in stale.text
    assert reports_of(school_world)[0].public_federal_cents is None
    fresh = reporter_client.post(form_url(school_world), data={**TYPED, "version": str(report.version)})
    assert fresh.status_code == 302
    assert reports_of(school_world)[0].public_federal_cents == 200_000_00


@pytest.mark.parametrize("typed, message", [
    ("-5", "cannot be negative"), ("abc", "Enter an amount in dollars"), ("1,500,000,000.01", "check the figure"),
    ("12.345", "whole cents"), ("١٢", "Enter an amount in dollars"), ("1e5", "Enter an amount in dollars"),
])
def test_bad_dollars_show_the_form_again_and_save_nothing(school_world, reporter_client, typed, message):
    response = reporter_client.post(form_url(school_world), data={**TYPED, "operating_expenses": typed,
                                                                  "version": "", "action": "submit"})
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert reports_of(school_world) == []


@pytest.mark.parametrize("typed, cents", [("1,234.56", 123456), ("$1,500,000.00", 150000000), ("7", 700),
                                          ("0.5", 50), ("1,000,000,000", 100000000000)])
def test_dollars_typed_are_stored_in_cents(school_world, reporter_client, typed, cents):
    response = reporter_client.post(form_url(school_world), data={"other_revenue": typed, "version": ""})
    assert response.status_code == 302
    assert reports_of(school_world)[0].other_revenue_cents == cents


def test_academic_outcomes_are_stored_in_their_units(school_world, reporter_client):
    reporter_client.post(form_url(school_world), data={**TYPED, "version": ""})
    [report] = reports_of(school_world)
    assert (report.math_growth_hundredths, report.ela_growth_hundredths, report.college_ready_permille) == (135, 120, 625)
    bad = reporter_client.post(form_url(school_world), data={**TYPED, "college_ready": "101",
                                                             "version": str(report.version)})
    assert bad.status_code == 422 and "from 0 to 100" in bad.text


def test_enrollment_and_fiscal_year_out_of_range_are_refused(school_world, reporter_client):
    response = reporter_client.post(form_url(school_world), data={**TYPED, "actual_enrollment": "100001",
                                                                  "fiscal_year": "1800", "version": ""})
    assert response.status_code == 422
    assert "at most 100,000 students" in response.text and "between 1990 and 2200" in response.text
    assert reports_of(school_world) == []


def test_submitting_with_missing_figures_names_each_and_changes_nothing(school_world, reporter_client, mailbox):
    report = school_world.make_report(status=ReportStatus.draft)
    typed = {**TYPED, "current_assets": "", "total_expenses": "", "version": str(report.version), "action": "submit"}
    response = reporter_client.post(form_url(school_world), data=typed)
    assert response.status_code == 422
    for name in ("current_assets", "total_expenses"):
        assert f'<p class="error" id="{name}-error">Required to submit.</p>' in response.text
    assert response.text.count('class="error" id=') == 2
    assert "2 are missing" in response.text
    [stored] = reports_of(school_world)
    assert stored.status == ReportStatus.draft and stored.current_assets_cents == 500_000_00
    assert outbox_to(school_world.finance.email) == []


def test_a_second_first_draft_of_the_year_is_refused(school_world, reporter_client):
    # Two tabs opened on an empty year: the first saved a draft; the second must not overwrite it.
    reporter_client.post(form_url(school_world), data={"other_revenue": "1", "version": ""})
    second = reporter_client.post(form_url(school_world), data={"other_revenue": "2", "version": ""})
    assert second.status_code == 409 and "Reload it" in second.text
    [report] = reports_of(school_world)
    assert report.other_revenue_cents == 100


def test_a_reporter_submits_and_finance_is_told(school_world, reporter_client, run_jobs, mailbox, other_org_finance):
    response = reporter_client.post(form_url(school_world), data={**TYPED, "version": "", "action": "submit"})
    assert response.status_code == 302
    [report] = reports_of(school_world)
    assert report.status == ReportStatus.submitted and report.submitted_by_id == school_world.reporter.id
    assert response.headers["Location"].endswith(f"/sustainability/reports/{report.id}")
    run_jobs()
    mail = mailbox.last(school_world.finance.email)
    assert "year 1 report" in mail["Subject"] and school_world.school.name in mail["Subject"]
    assert f"/sustainability/reports/{report.id}" in mailbox.body(mail)
    assert mailbox.to(school_world.reporter.email) == [] and mailbox.to(school_world.staff.email) == []
    assert mailbox.to(other_org_finance.email) == []
    # submitted: the form says it is with finance, and a POST changes nothing
    page = reporter_client.get(form_url(school_world))
    assert "Finance is checking it" in page.text
    again = reporter_client.post(form_url(school_world), data={**TYPED, "other_revenue": "1",
                                                              "version": str(report.version)})
    assert again.status_code == 409
    assert reports_of(school_world)[0].other_revenue_cents == 10_000_00


def test_the_submit_button_of_the_report_page(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.draft)
    page = reporter_client.get(f"/sustainability/reports/{report.id}")
    assert "Submit to finance" in page.text
    response = reporter_client.post(f"/sustainability/reports/{report.id}/submit", data={"version": str(report.version)})
    assert response.status_code == 302
    assert reports_of(school_world)[0].status == ReportStatus.submitted


def test_the_submit_button_refuses_a_draft_with_missing_figures(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.draft, unrestricted_cash_cents=None)
    response = reporter_client.post(f"/sustainability/reports/{report.id}/submit", data={"version": str(report.version)})
    assert response.status_code == 302 and response.headers["Location"].endswith(form_url(school_world))
    assert reports_of(school_world)[0].status == ReportStatus.draft


# ---- finance: return, fix, resubmit, verify ------------------------------------------------------

def test_returned_fixed_resubmitted_and_verified(school_world, reporter_client, finance_client, run_jobs, mailbox):
    report = school_world.make_report(status=ReportStatus.submitted)
    page = finance_client.get(f"/sustainability/reports/{report.id}")
    assert page.status_code == 200 and "Verify" in page.text and "Return with this comment" in page.text
    assert "$1,500,000" in page.text  # money shown in dollars

    empty = finance_client.post(f"/sustainability/reports/{report.id}/return",
                                data={"comment": "  ", "version": str(report.version)})
    assert empty.status_code == 422 and "Say what needs to change" in empty.text
    assert reports_of(school_world)[0].status == ReportStatus.submitted

    returned = finance_client.post(f"/sustainability/reports/{report.id}/return",
                                   data={"comment": "The cash does not match the audit.", "version": str(report.version)})
    assert returned.status_code == 302
    stored = reports_of(school_world)[0]
    assert stored.status == ReportStatus.returned and stored.returned_by_id == school_world.finance.id
    run_jobs()
    for person in (school_world.lead, school_world.member, school_world.reporter):
        mail = mailbox.last(person.email)
        assert "returned" in mail["Subject"] and "The cash does not match the audit." in mailbox.body(mail)
    assert mailbox.to(school_world.finance.email) == []

    page = reporter_client.get(f"/sustainability/reports/{report.id}")
    assert "The cash does not match the audit." in page.text and "Fix the figures" in page.text
    form = reporter_client.get(form_url(school_world))
    assert "Returned for changes" in form.text and "The cash does not match the audit." in form.text
    fixed = reporter_client.post(form_url(school_world), data={**TYPED, "unrestricted_cash": "250,000",
                                                              "version": str(stored.version), "action": "submit"})
    assert fixed.status_code == 302
    stored = reports_of(school_world)[0]
    assert stored.status == ReportStatus.submitted and stored.unrestricted_cash_cents == 250_000_00
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sustainability.report.resubmitted")) == 1

    mailbox.messages.clear()
    verified = finance_client.post(f"/sustainability/reports/{report.id}/verify", data={"version": str(stored.version)})
    assert verified.status_code == 302
    stored = reports_of(school_world)[0]
    assert stored.status == ReportStatus.verified and stored.verified_by_id == school_world.finance.id
    run_jobs()
    assert "verified" in mailbox.last(school_world.reporter.email)["Subject"]
    assert [f.year for f in figures.verified_years([school_world.school.id])[school_world.school.id]] == [1]
    history = reporter_client.get(f"/sustainability/reports/{report.id}")
    assert "Verified" in history.text and school_world.finance.display_name in history.text
    assert "Correct these figures" in history.text


def test_finance_cannot_verify_with_a_stale_page(school_world, finance_client):
    report = school_world.make_report(status=ReportStatus.submitted)
    response = finance_client.post(f"/sustainability/reports/{report.id}/verify", data={"version": "99"})
    assert response.status_code == 302
    assert reports_of(school_world)[0].status == ReportStatus.submitted
    assert "changed this report" in finance_client.get(f"/sustainability/reports/{report.id}").text


def test_verifying_needs_a_recent_second_factor(school_world, finance_client):
    report = school_world.make_report(status=ReportStatus.submitted)
    finance_client.make_second_factor_stale()
    response = finance_client.post(f"/sustainability/reports/{report.id}/verify", data={"version": str(report.version)})
    assert response.status_code == 302 and "two-factor" in response.headers["Location"]
    assert reports_of(school_world)[0].status == ReportStatus.submitted


def test_a_reporter_cannot_verify_their_own_report(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.submitted)
    assert reporter_client.post(f"/sustainability/reports/{report.id}/verify", data={}).status_code == 404
    assert "Verify" not in reporter_client.get(f"/sustainability/reports/{report.id}").text.replace("Verified", "")


# ---- verified: frozen, corrected by a new revision -------------------------------------------------

def test_a_verified_year_cannot_change_from_the_form(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.verified)
    page = reporter_client.get(form_url(school_world))
    assert page.status_code == 200 and "frozen" in page.text
    assert f"/sustainability/reports/{report.id}" in page.text
    response = reporter_client.post(form_url(school_world), data={**TYPED, "operating_expenses": "1",
                                                                 "version": str(report.version), "action": "submit"})
    assert response.status_code == 409
    [stored] = reports_of(school_world)
    assert stored.operating_expenses_cents == 2_000_000_00 and stored.status == ReportStatus.verified


def test_a_correction_is_a_new_revision_and_the_verified_one_still_counts(school_world, reporter_client,
                                                                          finance_client):
    report = school_world.make_report(status=ReportStatus.verified)
    page = reporter_client.get(f"/sustainability/reports/{report.id}/correct")
    assert page.status_code == 200 and '<label for="reason"' in page.text
    no_reason = reporter_client.post(f"/sustainability/reports/{report.id}/correct", data={"reason": " "})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    assert len(reports_of(school_world)) == 1

    started = reporter_client.post(f"/sustainability/reports/{report.id}/correct",
                                   data={"reason": "The auditor moved a grant to next year."})
    assert started.status_code == 302 and started.headers["Location"].endswith(form_url(school_world))
    first, second = reports_of(school_world)
    assert (second.revision, second.status, second.reason) == (2, ReportStatus.draft,
                                                               "The auditor moved a grant to next year.")
    assert second.operating_expenses_cents == first.operating_expenses_cents == 2_000_000_00
    assert first.status == ReportStatus.verified

    form = reporter_client.get(form_url(school_world))
    assert "revision 2" in form.text and 'value="2,000,000"' in form.text
    reporter_client.post(form_url(school_world), data={**TYPED, "operating_expenses": "2,500,000",
                                                       "version": str(second.version), "action": "submit"})
    counted = figures.verified_years([school_world.school.id])[school_world.school.id]
    assert [f.operating_expenses_cents for f in counted] == [2_000_000_00]  # the verified one, until verified

    again = finance_client.post(f"/sustainability/reports/{report.id}/correct", data={"reason": "Another"})
    assert again.status_code == 409 and "already open" in again.text
    assert len(reports_of(school_world)) == 2

    second = reports_of(school_world)[1]
    finance_client.post(f"/sustainability/reports/{second.id}/verify", data={"version": str(second.version)})
    counted = figures.verified_years([school_world.school.id])[school_world.school.id]
    assert [f.operating_expenses_cents for f in counted] == [2_500_000_00]


def test_finance_may_start_a_correction(school_world, finance_client):
    report = school_world.make_report(status=ReportStatus.verified)
    response = finance_client.post(f"/sustainability/reports/{report.id}/correct", data={"reason": "Typo in cash."})
    assert response.status_code == 302
    assert [r.revision for r in reports_of(school_world)] == [1, 2]


def test_only_a_verified_report_can_be_corrected(school_world, reporter_client):
    report = school_world.make_report(status=ReportStatus.submitted)
    assert reporter_client.post(f"/sustainability/reports/{report.id}/correct", data={"reason": "x"}).status_code == 404


def test_a_year_outside_1_to_4_is_not_found(school_world, reporter_client):
    assert reporter_client.get(form_url(school_world, 5)).status_code == 404
    assert reporter_client.get(form_url(school_world, 0)).status_code == 404


# ---- who may not ---------------------------------------------------------------------------------

@pytest.fixture
def outsiders(school_world, make_client, make_user, other_org_finance, client):
    from incubator.sustainability.models import SchoolReporter

    other_school = school_world.make_school("Second Line Academy")
    stranger = make_user("stranger@example.org")
    db.session.add(SchoolReporter(school_id=other_school.id, user_id=stranger.id))
    db.session.commit()
    return {"reporter of another school": make_client(stranger), "finance of another organisation":
            make_client(other_org_finance), "signed out": client}


def test_outsiders_get_404_on_every_report_route(school_world, outsiders):
    verified = school_world.make_report(1, ReportStatus.verified)
    submitted = school_world.make_report(2, ReportStatus.submitted)
    draft = school_world.make_report(3, ReportStatus.draft)
    for who, c in outsiders.items():
        for url in (form_url(school_world, 4), f"/sustainability/reports/{verified.id}",
                    f"/sustainability/reports/{verified.id}/correct"):
            response = c.get(url)
            assert response.status_code == 404, (who, url, response.status_code)
        for url, data in ((form_url(school_world, 4), TYPED), (f"/sustainability/reports/{draft.id}/submit", {}),
                          (f"/sustainability/reports/{submitted.id}/verify", {}),
                          (f"/sustainability/reports/{submitted.id}/return", {"comment": "no"}),
                          (f"/sustainability/reports/{verified.id}/correct", {"reason": "no"})):
            response = c.post(url, data=data)
            assert response.status_code == 404, (who, url, response.status_code)
    statuses = [(r.year, r.revision, r.status) for y in (1, 2, 3, 4) for r in reports_of(school_world, y)]
    assert statuses == [(1, 1, ReportStatus.verified), (2, 1, ReportStatus.submitted), (3, 1, ReportStatus.draft)]


def test_program_staff_read_but_do_not_change(school_world, make_client):
    submitted = school_world.make_report(2, ReportStatus.submitted)
    verified = school_world.make_report(1, ReportStatus.verified)
    staff = make_client(school_world.staff)
    page = staff.get(f"/sustainability/reports/{submitted.id}")
    assert page.status_code == 200 and "$1,500,000" in page.text and "Return with this comment" not in page.text
    assert staff.get(form_url(school_world, 3)).status_code == 404
    assert staff.post(form_url(school_world, 3), data=TYPED).status_code == 404
    assert staff.post(f"/sustainability/reports/{submitted.id}/verify", data={}).status_code == 404
    assert staff.post(f"/sustainability/reports/{submitted.id}/return", data={"comment": "x"}).status_code == 404
    assert staff.post(f"/sustainability/reports/{verified.id}/correct", data={"reason": "x"}).status_code == 404
    assert reports_of(school_world, 2)[0].status == ReportStatus.submitted
    assert len(reports_of(school_world, 1)) == 1


def test_finance_does_not_fill_in_a_schools_form(school_world, finance_client):
    assert finance_client.get(form_url(school_world)).status_code == 404

