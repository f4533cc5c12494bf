"""Outcomes at the end of a cohort, the school record of a team recommended to launch, the
cohort's CSV and its report PDF (made by a job). Routes of the incubation blueprint."""
from flask import Response, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_login import current_user, login_required
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.models import User
from incubator.core import pdf_jobs
from incubator.core.csv import stream_rows
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.pdf import download_name
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import export, outcome_mail, outcomes, report_jobs
from incubator.incubation.models import Cohort, CohortTeam, School
from incubator.incubation.outcome_forms import OutcomeForm
from incubator.incubation.states import IncubationOutcome
from incubator.incubation.views import bp


def _cohort_team_or_404(cohort_team_id: int) -> CohortTeam:
    return visible_or_404(CohortTeam, cohort_team_id, "manage",
                          options=[joinedload(CohortTeam.cohort).joinedload(Cohort.organisation),
                                   joinedload(CohortTeam.application), joinedload(CohortTeam.team)])


def _outcome_page(cohort_team: CohortTeam, form: OutcomeForm, status: int = 200, *, confirm_school=None,
                  preview=None):
    school = outcomes.school_of(cohort_team)
    kept_because = outcomes.references_to(school) if school else []
    return render_template(
        "incubation/outcome.html", cohort_team=cohort_team, cohort=cohort_team.cohort, form=form, school=school,
        kept_because=kept_because, summary=outcomes.milestone_summary(cohort_team), confirm_school=confirm_school,
        preview=preview, launch=IncubationOutcome.launch.value,
        outcome=IncubationOutcome(cohort_team.outcome) if cohort_team.outcome else None,
        decided_by=db.session.get(User, cohort_team.outcome_by_id) if cohort_team.outcome_by_id else None,
    ), status


@bp.route("/teams/<int:cohort_team_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(cohort_team_id: int):
    cohort_team = _cohort_team_or_404(cohort_team_id)
    now = utcnow()
    years = outcomes.opening_years(now, cohort_team.cohort.timezone)
    form = OutcomeForm(years=years)
    if request.method == "GET":
        application_year = cohort_team.application.launch_year
        year = cohort_team.planned_opening_year or (application_year if application_year in years else None)
        form.outcome.data = cohort_team.outcome.value if cohort_team.outcome else None
        form.rationale.data = cohort_team.outcome_rationale or ""
        form.opening_year.data = str(year) if year else ""
        form.version.data = str(cohort_team.version)
        return _outcome_page(cohort_team, form)
    if not form.validate():
        return _outcome_page(cohort_team, form, 422)
    if request.form.get("action") == "preview":
        preview = outcome_mail.preview(cohort_team, IncubationOutcome(form.outcome.data), form.rationale.data,
                                       form.year)
        return _outcome_page(cohort_team, form, preview=preview)
    try:
        recorded = outcomes.record_outcome(
            cohort_team, form.outcome.data, rationale=form.rationale.data, opening_year=form.year,
            actor=current_user, now=now, expected_version=int(form.version.data),
            confirm_remove_school=form.confirm_remove_school.data)
    except outcomes.NeedsConfirmation as error:
        db.session.rollback()
        return _outcome_page(cohort_team, form, 409, confirm_school=error)
    except ValidationFailed as error:
        db.session.rollback()
        flash(str(error), "error")
        return _outcome_page(_cohort_team_or_404(cohort_team_id), form, 422)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        fresh = _cohort_team_or_404(cohort_team_id)
        form.version.data = str(fresh.version)  # the page now shows what is recorded: saving again is deliberate
        return _outcome_page(fresh, form, 409)
    if not recorded.changed:
        flash("Nothing changed: that outcome and rationale are already recorded.", "info")
        return redirect(url_for(".outcome", cohort_team_id=cohort_team.id))
    db.session.commit()
    said = [f"Outcome recorded: {IncubationOutcome(cohort_team.outcome).label}. "
            f"{recorded.told} team member{'' if recorded.told == 1 else 's'} told."]
    if recorded.school_created:
        said.append(f"A school record for {recorded.school.name} was made.")
    elif recorded.school_removed:
        said.append("The school record was removed.")
    elif recorded.school_kept_because:
        said.append("The school record is kept: other records refer to it.")
    flash(" ".join(said), "success")
    summary = recorded.summary
    if cohort_team.outcome == IncubationOutcome.launch and not summary.all_required_approved:
        missing = summary.required - summary.required_approved
        flash(f"Note: {missing} milestone{'' if missing == 1 else 's'} required for launch "
              f"{'is' if missing == 1 else 'are'} not approved yet.", "info")
    return redirect(url_for(".outcome", cohort_team_id=cohort_team.id))


@bp.get("/cohorts/<int:cohort_id>/milestones.csv")
@login_required
def cohort_csv(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage", options=[joinedload(Cohort.organisation)])
    now = utcnow()
    lines = export.lines(cohort, now=now)  # read now, while the session is ours
    filename = export.file_name(cohort, now=now)
    return Response(stream_with_context(stream_rows(lines)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report_pending(cohort: Cohort):
    return render_template(
        "core/pdf_pending.html", heading=f"Cohort report: {cohort.name}",
        back_url=url_for(".cohort", cohort_id=cohort.id), back_label=cohort.name, what="the cohort report",
        waiting=True, reload_url=url_for(".cohort_report", cohort_id=cohort.id),
        prepare_url=url_for(".report_prepare", cohort_id=cohort.id), prepare_label="Prepare the report",
        not_made="")


@bp.get("/cohorts/<int:cohort_id>/report")
@login_required
def cohort_report(cohort_id: int):
    """The report PDF of the cohort's current data, or (while it is made) a page that waits for it."""
    cohort = visible_or_404(Cohort, cohort_id, "manage", options=[joinedload(Cohort.organisation)])
    fingerprint, path = pdf_jobs.ready(report_jobs.REPORT, cohort)
    if path is not None:
        response = send_file(path, mimetype="application/pdf", as_attachment=True, max_age=0,
                             download_name=download_name(cohort.name, f"cohort-report-{cohort.id}"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    pdf_jobs.request(report_jobs.REPORT, report_jobs.render_cohort_report, cohort, fingerprint)
    db.session.commit()  # nothing of ours to save: the commit is what queues the job
    return _report_pending(cohort)


@bp.post("/cohorts/<int:cohort_id>/report")
@login_required
def report_prepare(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage")
    pdf_jobs.request(report_jobs.REPORT, report_jobs.render_cohort_report, cohort, report_jobs.fingerprint(cohort),
                     again=True)
    db.session.commit()
    return redirect(url_for(".cohort_report", cohort_id=cohort.id))


@bp.get("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    record = visible_or_404(School, school_id, "view_outcome", options=[joinedload(School.team)])
    cohort_team = db.session.get(CohortTeam, record.cohort_team_id) if record.cohort_team_id else None
    return render_template(
        "incubation/school.html", school=record, cohort_team=cohort_team,
        cohort=cohort_team.cohort if cohort_team else None,
        may_see_team=cohort_team is not None and can(current_user, "view", cohort_team),
        may_manage=cohort_team is not None and can(current_user, "manage", cohort_team),
        decided_by=(db.session.get(User, cohort_team.outcome_by_id)
                    if cohort_team and cohort_team.outcome_by_id else None))


@bp.get("/cohorts/<int:cohort_id>/outcomes")
@login_required
def cohort_outcomes(cohort_id: int):
    """Each team's outcome at a glance, with its required milestones, and the cohort's exports."""
    cohort = visible_or_404(Cohort, cohort_id, "manage", options=[joinedload(Cohort.organisation)])
    teams = list(db.session.scalars(
        sa.select(CohortTeam).where(CohortTeam.cohort_id == cohort.id).order_by(CohortTeam.id)
        .options(joinedload(CohortTeam.application), joinedload(CohortTeam.team),
                 selectinload(CohortTeam.milestones))))
    schools = {s.cohort_team_id: s for s in db.session.scalars(
        sa.select(School).where(School.cohort_team_id.in_([t.id for t in teams])))} if teams else {}
    rows = [(t, outcomes.milestone_summary(t), schools.get(t.id)) for t in teams]
    tally = {o: sum(1 for t in teams if t.outcome == o) for o in IncubationOutcome}
    return render_template("incubation/outcome_cohort.html", cohort=cohort, rows=rows, tally=tally,
                           undecided=sum(1 for t in teams if t.outcome is None))
