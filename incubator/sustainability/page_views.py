"""The school page (its reports by year, the metrics table with ratings, the coverage chart, the
academic outcomes) and the PDFs of a school and of a portfolio, made by a job (core.pdf_jobs):
GET downloads the finished file or shows the page that waits for it; POST asks for it again."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation
from incubator.core import pdf_jobs
from incubator.core.charts import to_svg
from incubator.core.pdf import download_name
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import charts, dates, figures, page_rows, permissions
from incubator.sustainability import pdf_jobs as sustainability_pdfs
from incubator.sustainability.metrics import YEARS
from incubator.sustainability.models import AnnualReport, settings_of
from incubator.sustainability.states import ReportStatus, SchoolSource
from incubator.sustainability.views import bp

STATUS_BADGES = {"on_track": "badge-approved", "at_risk": "badge-pending", "off_track": "badge-overdue",
                 "undetermined": ""}
RATING_BADGES = {"meets": "badge-approved", "does_not_meet": "badge-pending", "falls_far_below": "badge-overdue",
                 "undetermined": ""}
REPORT_BADGES = {"draft": "", "submitted": "badge-submitted", "returned": "badge-changes_requested",
                 "verified": "badge-approved"}


@dataclass(frozen=True)
class YearReports:
    """One of the school's years 1-4: its latest revision, the verified one that counts, the due date."""

    year: int
    fiscal_label: str | None
    due_on: date | None
    latest: AnnualReport | None
    counting: AnnualReport | None     # the latest verified revision (None: none yet)
    is_late: bool
    may_start: bool                   # a reporter may start this year's report
    may_continue: bool                # ... or continue the open draft / returned report

    @property
    def correction_open(self) -> bool:
        return self.latest is not None and self.counting is not None and self.latest is not self.counting


def _years(school: School, settings, *, reports: bool, today: date) -> list[YearReports]:
    rows = list(db.session.scalars(sa.select(AnnualReport).where(AnnualReport.school_id == school.id)
                                   .order_by(AnnualReport.year, AnnualReport.revision)))
    opening = school.opening_year
    current = dates.current_year(opening, today)
    out = []
    for year in YEARS:
        of_year = [r for r in rows if r.year == year]
        latest = of_year[-1] if of_year else None
        counting = next((r for r in reversed(of_year) if ReportStatus(r.status) is ReportStatus.verified), None)
        due = dates.due_on(opening, year, settings.report_due_month, settings.report_due_day) if opening else None
        handed_in = latest is not None and ReportStatus(latest.status) in (ReportStatus.submitted,
                                                                           ReportStatus.verified)
        reached = year <= (current if current is not None else 1)
        out.append(YearReports(
            year, dates.fiscal_year_label(dates.fiscal_year(opening, year)) if opening else None, due, latest,
            counting, is_late=due is not None and due < today and counting is None and not handed_in,
            may_start=reports and latest is None and reached,
            may_continue=reports and latest is not None and ReportStatus(latest.status).editable))
    return out


@bp.route("/schools/<int:school_id>", methods=["GET"], endpoint="school")
@login_required
@two_factor.enrolled_required
def school(school_id: int):
    record = visible_or_404(School, school_id, "view",
                            options=[joinedload(School.team), joinedload(School.organisation)])
    settings = settings_of(record.organisation_id)
    glide = settings.glide_path
    summary = figures.school_summary(record)
    trajectory = summary.trajectory
    today = local(utcnow(), record.organisation.timezone).date()
    manages = can(current_user, "manage", record)
    chart = charts.coverage_chart(trajectory, glide, title=f"Coverage against the glide path: {record.name}")
    return render_template(
        "sustainability/page_school.html", school=record, source=SchoolSource(record.source), summary=summary,
        trajectory=trajectory, years=_years(record, settings, reports=can(current_user, "report", record),
                                            today=today),
        metric_rows=page_rows.metric_rows(summary.years, glide),
        coverage_rows=page_rows.coverage_rows(trajectory, summary.years, glide),
        chart=to_svg(chart, description=trajectory.why), outcomes=page_rows.outcomes(summary.years),
        glide=glide, manages=manages, may_see_reporters=can(current_user, "reporters", record),
        status_badges=STATUS_BADGES, rating_badges=RATING_BADGES, report_badges=REPORT_BADGES,
        ReportStatus=ReportStatus, today=today)


# ---- the PDFs -----------------------------------------------------------------------------------


def _pending(*, heading: str, back_url: str, back_label: str, what: str, url: str):
    return render_template("core/pdf_pending.html", heading=heading, back_url=back_url, back_label=back_label,
                           what=what, waiting=True, reload_url=url, prepare_url=url,
                           prepare_label="Prepare the PDF", not_made="")


def _download(path, name: str):
    response = send_file(path, mimetype="application/pdf", as_attachment=True, max_age=0, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _serve(document, job, obj, *, download: str, pending: dict, url: str, is_post: bool):
    if is_post:
        pdf_jobs.request(document, job, obj, document.fingerprint(obj), again=True)
        db.session.commit()  # the commit is what queues the job
        return redirect(url)
    fingerprint, path = pdf_jobs.ready(document, obj)
    if path is not None:
        return _download(path, download)
    pdf_jobs.request(document, job, obj, fingerprint)
    db.session.commit()
    return _pending(url=url, **pending)


@bp.route("/schools/<int:school_id>/report.pdf", methods=["GET", "POST"], endpoint="school_pdf")
@login_required
@two_factor.enrolled_required
def school_pdf(school_id: int):
    record = visible_or_404(School, school_id, "view", options=[joinedload(School.organisation)])
    url = url_for(".school_pdf", school_id=record.id)
    return _serve(sustainability_pdfs.SCHOOL_REPORT, sustainability_pdfs.render_school_report, record,
                  download=download_name(record.name, f"sustainability-{record.id}"), url=url,
                  is_post=request.method == "POST",
                  pending=dict(heading=f"Sustainability PDF: {record.name}",
                               back_url=url_for(".school", school_id=record.id), back_label=record.name,
                               what="the school's PDF"))


@bp.route("/portfolio/<int:organisation_id>/report.pdf", methods=["GET", "POST"], endpoint="portfolio_pdf")
@login_required
@two_factor.enrolled_required
def portfolio_pdf(organisation_id: int):
    if not 0 < organisation_id < 2**31 or not permissions.sees_portfolio(current_user, organisation_id):
        abort(404)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    url = url_for(".portfolio_pdf", organisation_id=organisation.id)
    return _serve(sustainability_pdfs.PORTFOLIO_REPORT, sustainability_pdfs.render_portfolio_report, organisation,
                  download=download_name(organisation.name, "portfolio-report"), url=url,
                  is_post=request.method == "POST",
                  pending=dict(heading=f"Portfolio PDF: {organisation.name}",
                               back_url=url_for(".portfolio", organisation_id=organisation.id),
                               back_label=f"{organisation.name}'s portfolio", what="the portfolio PDF"))
