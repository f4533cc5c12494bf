"""Readiness pages of a team's application: its assessments and growth, one assessment's team
view, rating it, closing it, the staff rating, the PDF. Staff pages are in staff_views.py,
on the same blueprint."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from incubator.applications.models import Application
from incubator.core import charts
from incubator.core.errors import DomainError
from incubator.core.pdf import download_name, stored_path
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness import forms, reports, services
from incubator.readiness.models import LEVELS, Assessment
from incubator.readiness.permissions import MEMBER, STAFF, access, assessment_access, can_open_for
from incubator.readiness.scoring import fmt
from incubator.readiness.states import Requirement

bp = Blueprint("readiness", __name__, url_prefix="/readiness")


@bp.app_template_filter("score")
def score_filter(value, empty="not rated"):
    return fmt(value, empty)


def _application_or_404(application_id: int) -> tuple[Application, str]:
    if not 0 < application_id < 2**31:
        abort(404)
    application = db.session.get(Application, application_id)
    level = access(current_user, application) if application is not None else None
    if level is None:
        abort(404)
    return application, level


def _assessment_or_404(assessment_id: int, action: str = "view") -> tuple[Assessment, str]:
    visible_or_404(Assessment, assessment_id, action)
    assessment = reports.load_assessment(assessment_id)
    return assessment, assessment_access(current_user, assessment)


def _growth_context(growth: reports.Growth) -> dict:
    if not growth.has_growth:
        return {"growth": growth, "chart": None}
    drawing = growth.chart()
    summary = "; ".join(
        f"{title}: " + ", ".join(f"{a.label} {fmt(v, 'not rated')}" for a, v in zip(growth.assessments, values))
        for title, values in growth.series())
    return {"growth": growth, "chart": charts.to_svg(drawing, description=summary)}


def application_page(application: Application, level: str, status: int = 200, form=None):
    settings = services.settings_for(application.challenge_id)
    growth = reports.growth(application.id)
    uses = settings is not None and settings.requirement != Requirement.off
    return render_template(
        "readiness/application.html", application=application, level=level, settings=settings, uses=uses,
        can_open=uses and can_open_for(current_user, application), form=form or forms.OpenAssessmentForm(),
        suggested=services.SUGGESTED_LABELS, **_growth_context(growth)), status


@bp.get("/applications/<int:application_id>")
@login_required
def application(application_id: int):
    return application_page(*_application_or_404(application_id))


@bp.post("/applications/<int:application_id>/assessments")
@login_required
def open_assessment(application_id: int):
    application, level = _application_or_404(application_id)
    form = forms.OpenAssessmentForm()
    if not form.validate_on_submit():
        return application_page(application, level, 422, form)
    try:
        assessment = services.open_assessment(application, form.label.data, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return application_page(application, level, 409, form)
    db.session.commit()
    flash(f"The “{assessment.label}” assessment is open. Every member of {application.team.name} can now rate "
          "the team; answers stay private until each person marks them complete.", "success")
    return redirect(url_for(".assessment", assessment_id=assessment.id))


@bp.get("/assessments/<int:assessment_id>")
@login_required
def assessment(assessment_id: int):
    assessment, level = _assessment_or_404(assessment_id)
    report = reports.build(assessment, level=level, viewer=current_user)
    return render_template("readiness/assessment.html", assessment=assessment, report=report, level=level,
                           can_rate=can(current_user, "rate", assessment),
                           can_close=can(current_user, "close", assessment),
                           can_staff_rate=can(current_user, "staff_rate", assessment),
                           can_download=can(current_user, "download", assessment), form=forms.CsrfForm(),
                           LEVELS=LEVELS)


def _rating_page(assessment: Assessment, *, is_staff: bool, endpoint: str):
    answer_set = services.answer_set_of(assessment, current_user, is_staff=is_staff)
    saved = answer_set.values() if answer_set else {}
    not_sure = {r.item_id for r in answer_set.ratings if r.is_not_sure} if answer_set else set()
    current = {item_id: (services.NOT_SURE if item_id in not_sure else ("" if v is None else str(v)))
               for item_id, v in saved.items()}
    notes = {int(k): v for k, v in (answer_set.notes or {}).items()} if answer_set else {}
    errors, status = [], 200
    form = forms.CsrfForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        raw, notes, errors = forms.read_ratings(request.form, assessment.instrument)
        current = {k: (v if isinstance(v, str) else "") for k, v in raw.items()}
        items = {item.id: item for item in assessment.instrument.items}
        values = {}
        for item_id, value in raw.items():
            try:
                values[item_id] = services.parse_value(value, items[item_id])
            except DomainError as error:
                errors.append(str(error))
                current[item_id] = ""
        complete = request.form.get("action") == "complete"
        if not errors:
            try:
                services.save_answers(assessment, values, notes, complete=complete, actor=current_user,
                                      now=utcnow(), is_staff=is_staff)
            except DomainError as error:
                db.session.rollback()
                errors.append(str(error))
            else:
                db.session.commit()
                if complete:
                    flash("Your answers are complete." + ("" if is_staff else
                          " Your team sees them without your name; you can change them until the lead closes "
                          "the assessment."), "success")
                    return redirect(url_for(".assessment", assessment_id=assessment.id))
                flash("Saved. Your answers stay private until you mark them complete.", "success")
                return redirect(url_for(endpoint, assessment_id=assessment.id))
        status = 422
    return render_template("readiness/rate.html", assessment=assessment, answer_set=answer_set, current=current,
                           notes=notes, errors=errors, form=form, is_staff=is_staff, LEVELS=LEVELS,
                           not_sure=services.NOT_SURE, endpoint=endpoint), status


@bp.route("/assessments/<int:assessment_id>/rate", methods=["GET", "POST"])
@login_required
def rate(assessment_id: int):
    assessment, level = _assessment_or_404(assessment_id)
    if level != MEMBER:
        abort(404)
    if not can(current_user, "rate", assessment):
        flash("The assessment is closed: its answers can no longer change.", "error")
        return redirect(url_for(".assessment", assessment_id=assessment.id))
    return _rating_page(assessment, is_staff=False, endpoint=".rate")


@bp.route("/assessments/<int:assessment_id>/staff-rating", methods=["GET", "POST"])
@login_required
def staff_rating(assessment_id: int):
    assessment, level = _assessment_or_404(assessment_id)
    if level != STAFF:
        abort(404)
    return _rating_page(assessment, is_staff=True, endpoint=".staff_rating")


@bp.post("/assessments/<int:assessment_id>/close")
@login_required
def close(assessment_id: int):
    assessment, level = _assessment_or_404(assessment_id)
    if level != MEMBER:
        abort(404)
    try:
        services.close(assessment, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error) if "allowed" not in str(error) else "Only the team's lead can close the assessment.",
              "error")
    else:
        db.session.commit()
        flash(f"The “{assessment.label}” assessment is closed. A PDF copy is being prepared.", "success")
    return redirect(url_for(".assessment", assessment_id=assessment.id))


@bp.get("/assessments/<int:assessment_id>/pdf")
@login_required
def pdf(assessment_id: int):
    assessment = visible_or_404(Assessment, assessment_id, "download")
    path = stored_path(assessment.pdf_path) if assessment.has_current_pdf else None
    if path is None:
        flash("The PDF copy is being prepared. Reload this page in a moment." if not assessment.is_open else
              "The PDF is made when the lead closes the assessment.", "info")
        return redirect(url_for(".assessment", assessment_id=assessment.id))
    response = send_file(path, mimetype="application/pdf", as_attachment=True, max_age=0,
                         download_name=download_name(assessment.team.name, f"readiness-{assessment.id}"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


from incubator.readiness import staff_views  # noqa: E402,F401  (routes on the same blueprint)
