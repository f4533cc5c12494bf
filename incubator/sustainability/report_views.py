"""Annual reports (reports area): the year's form (reporters), the report's page (its figures,
status, history and finance's buttons), submit, verify, return and correct.

Each view loads its object through `visible_or_404` with the action it needs (404 for anyone
who may not), calls one service, commits or rolls back. Finance's moves need a recent second
factor, as grants' money actions do."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.accounts import two_factor
from incubator.core.errors import DomainError
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import dates, reports
from incubator.sustainability.lifecycle import ChangedMeanwhile
from incubator.sustainability.models import AnnualReport, settings_of
from incubator.sustainability.permissions import finance_of
from incubator.sustainability.report_forms import CorrectionForm, ReportForm, ReturnForm, VersionForm
from incubator.sustainability.states import ReportStatus
from incubator.sustainability.views import bp

YEARS = range(1, 5)


def _report_or_404(report_id: int, action: str) -> AnnualReport:
    return visible_or_404(AnnualReport, report_id, action,
                          options=[joinedload(AnnualReport.school).joinedload(School.organisation)])


def _stale(form, report: AnnualReport) -> bool:
    """The page showed another version of the report than the one stored now."""
    shown = (form.version.data or "").strip()
    return bool(shown) and shown != str(report.version)


def _to_report(report: AnnualReport):
    return redirect(url_for(".report", report_id=report.id))


# ---- the year's form ---------------------------------------------------------------------------

@bp.route("/schools/<int:school_id>/years/<int:year>/report", methods=["GET", "POST"], endpoint="report_form")
@login_required
def report_form(school_id: int, year: int):
    if year not in YEARS:
        abort(404)
    school = visible_or_404(School, school_id, "report", options=[joinedload(School.organisation)])
    report = reports.open_revision(school.id, year)
    verified = reports.latest_verified(school.id, year)
    settings = settings_of(school.organisation_id)
    context = {"school": school, "year": year, "report": report, "verified": verified,
               "tz": school.organisation.timezone,
               "due_on": (dates.due_on(school.opening_year, year, settings.report_due_month, settings.report_due_day)
                          if school.opening_year else None)}
    if report is None and verified is not None or report is not None and not ReportStatus(report.status).editable:
        # Frozen (verified, no correction open) or with finance (submitted): nothing to change here.
        status = 200
        if request.method == "POST":
            flash(str(reports.YearFrozen() if report is None else reports.NotEditable(ReportStatus(report.status))),
                  "error")
            status = 409
        return render_template("sustainability/reports_closed.html", **context), status
    form = ReportForm()
    if request.method == "GET":
        if report is not None:
            form.fill(reports.figures_of(report))
            form.version.data = str(report.version)
        elif school.opening_year:
            form.fiscal_year.data = dates.fiscal_year(school.opening_year, year)
        return render_template("sustainability/reports_form.html", form=form, **context)
    return _save(form, school, year, report, context)


def _save(form: ReportForm, school: School, year: int, report: AnnualReport | None, context: dict):
    submitting = request.form.get("action") == "submit"
    if not form.validate():
        return render_template("sustainability/reports_form.html", form=form, **context), 422
    # The page showed this version of the open revision (or, for a year without one, none).
    if (form.version.data or "").strip() != (str(report.version) if report is not None else ""):
        flash(str(ChangedMeanwhile()), "error")
        return render_template("sustainability/reports_form.html", form=form, **context), 409
    values = form.values()
    if submitting:
        missing = reports.missing_figures(values)
        if missing:
            form.show_missing(missing)
            flash(str(reports.MissingFigures(missing)), "error")
            return render_template("sustainability/reports_form.html", form=form, **context), 422
    now = utcnow()
    try:
        saved = reports.save(school, year, values, actor=current_user, now=now, report=report,
                             version=report.version if report is not None else None)
        if submitting:
            reports.submit(saved, actor=current_user, now=now)
    except ChangedMeanwhile as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("sustainability/reports_form.html", form=form, **context), 409
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("sustainability/reports_form.html", form=form, **context), 422
    db.session.commit()
    if submitting:
        flash(f"The year {year} report of {school.name} is submitted. Finance has been told; you will hear "
              "when it is verified or returned.", "success")
        return _to_report(saved)
    flash(f"Draft of the year {year} report saved. Submit it once every required figure is in.", "success")
    return redirect(url_for(".report_form", school_id=school.id, year=year))


# ---- the report's page ---------------------------------------------------------------------------

@bp.route("/reports/<int:report_id>", methods=["GET"], endpoint="report")
@login_required
@two_factor.enrolled_required
def report(report_id: int):
    report = _report_or_404(report_id, "view")
    return _report_page(report)


def _report_page(report: AnnualReport, *, return_form=None, correction_form=None, status: int = 200):
    school = report.school
    history = reports.revisions(school.id, report.year)
    version = VersionForm()
    version.version.data = str(report.version)
    if return_form is None:
        return_form = ReturnForm(formdata=None)
        return_form.version.data = str(report.version)
    return render_template(
        "sustainability/reports_show.html", report=report, school=school, revisions=history,
        tz=school.organisation.timezone, status_=ReportStatus(report.status), version_form=version,
        return_form=return_form, correction_form=correction_form or CorrectionForm(formdata=None),
        open_revision=next((r for r in history if r.status != ReportStatus.verified), None),
        may_edit=can(current_user, "edit", report), may_submit=can(current_user, "submit", report),
        may_verify=can(current_user, "verify", report), may_return=can(current_user, "return", report),
        may_correct=can(current_user, "correct", report), figure_rows=_figure_rows(report)), status


def _figure_rows(report: AnnualReport) -> list[tuple[str, str, object]]:
    """(label, kind, value) of each figure, in the form's order, for the page."""
    form = ReportForm(formdata=None)
    rows = []
    for name, column in ReportForm.COLUMNS.items():
        value = getattr(report, column)
        field = form[name]
        if value is None:
            shown = ""
        elif column.endswith("_cents"):
            shown = "$" + field.shown(value)
        elif column == "fiscal_year":
            shown = dates.fiscal_year_label(value)
        elif hasattr(field, "shown"):
            shown = field.shown(value) + ("%" if column == "college_ready_permille" else "")
        else:
            shown = f"{value:,}"
        rows.append((field.label.text, column, shown))
    return rows


# ---- the moves ---------------------------------------------------------------------------------

def _move(form, report: AnnualReport, service, success: str, *, on_invalid=None):
    """Validate the button's form, refuse a stale page, run the service; commit or roll back.
    `on_invalid()`: the answer for a form with errors (default: back to the report, flashed)."""
    if not form.validate():
        if "csrf_token" in form.errors:
            flash("The form expired; please send it again.", "error")
        elif on_invalid is not None:
            return on_invalid()
        else:
            flash(" ".join(m for errors in form.errors.values() for m in errors), "error")
        return _to_report(report)
    if _stale(form, report):
        flash(str(ChangedMeanwhile()), "error")
        return _to_report(report)
    try:
        service()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _to_report(report)
    db.session.commit()
    flash(success, "success")
    return _to_report(report)


@bp.route("/reports/<int:report_id>/submit", methods=["POST"], endpoint="submit_report")
@login_required
def submit_report(report_id: int):
    report = _report_or_404(report_id, "submit")
    form = VersionForm()
    if not form.validate():
        flash("The form expired; please send it again.", "error")
        return _to_report(report)
    missing = reports.missing_figures(reports.figures_of(report))
    if missing:
        flash(str(reports.MissingFigures(missing)) + " Open the form to see which.", "error")
        return redirect(url_for(".report_form", school_id=report.school_id, year=report.year))
    return _move(form, report, lambda: reports.submit(report, actor=current_user, now=utcnow()),
                 f"The year {report.year} report is submitted. Finance has been told.")


@bp.route("/reports/<int:report_id>/verify", methods=["POST"], endpoint="verify_report")
@login_required
def verify_report(report_id: int):
    return _verify(_report_or_404(report_id, "verify"))


@two_factor.enrolled_required
@two_factor.recent_required
def _verify(report: AnnualReport):
    return _move(VersionForm(), report, lambda: reports.verify(report, actor=current_user, now=utcnow()),
                 f"The year {report.year} report is verified: its figures count and are frozen. "
                 "The school has been told.")


@bp.route("/reports/<int:report_id>/return", methods=["POST"], endpoint="return_report")
@login_required
def return_report(report_id: int):
    return _return(_report_or_404(report_id, "return"))


@two_factor.enrolled_required
@two_factor.recent_required
def _return(report: AnnualReport):
    form = ReturnForm()
    return _move(form, report,
                 lambda: reports.return_for_changes(report, form.comment.data, actor=current_user, now=utcnow()),
                 f"The year {report.year} report is returned to the school with your comment.",
                 on_invalid=lambda: _report_page(report, return_form=form, status=422))


@bp.route("/reports/<int:report_id>/correct", methods=["GET", "POST"], endpoint="correct_report")
@login_required
def correct_report(report_id: int):
    report = _report_or_404(report_id, "correct")
    if finance_of(current_user, report.school.organisation_id):
        return _correct_as_finance(report)
    return _correct(report)


@two_factor.enrolled_required
@two_factor.recent_required
def _correct_as_finance(report: AnnualReport):
    return _correct(report)


def _correct(report: AnnualReport):
    form = CorrectionForm()
    already = reports.open_revision(report.school_id, report.year)
    if request.method == "GET" or already is not None:
        status = 200
        if already is not None:
            flash(str(reports.RevisionOpen()), "error")
            status = 409 if request.method == "POST" else 200
        return render_template("sustainability/reports_correct.html", form=form, report=report,
                               school=report.school, already=already), status
    if not form.validate():
        return render_template("sustainability/reports_correct.html", form=form, report=report,
                               school=report.school, already=None), 422
    try:
        correction = reports.start_correction(report, form.reason.data, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_template("sustainability/reports_correct.html", form=form, report=report,
                               school=report.school, already=reports.open_revision(report.school_id, report.year)), 409
    db.session.commit()
    flash(f"Correction started: revision {correction.revision} of the year {report.year} report, with the verified "
          "figures to change. The verified figures still count until finance verifies the correction.", "success")
    return redirect(url_for(".report_form", school_id=report.school_id, year=report.year))
