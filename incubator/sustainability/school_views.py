"""Schools (schools area): "Your schools", adding and editing a school, the people who report
for it and their invitations, accepting an invitation."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation
from incubator.accounts.services import find_user
from incubator.core.errors import DomainError, NotAllowed
from incubator.core.forms import CsrfForm, is_plain_id
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import schools
from incubator.sustainability.models import SchoolInvitation, SchoolReporter
from incubator.sustainability.permissions import finance_of, sees_portfolio
from incubator.sustainability.states import SchoolSource
from incubator.sustainability.school_forms import InviteReporterForm, NewSchoolForm, SchoolForm
from incubator.sustainability.views import bp


@bp.route("/", methods=["GET"], endpoint="index")
@login_required
def index():
    mine = schools.reporting_schools(current_user)
    if not mine and (current_user.is_admin or any(sees_portfolio(current_user, org_id)
                                                  for org_id in current_user.organisations_with())):
        return redirect(url_for("sustainability.portfolio_home"))
    return render_template("sustainability/schools_index.html", schools=mine, years=schools.YEARS,
                           reports=schools.report_statuses([s.id for s in mine]))


def _organisation_or_404(raw: str | None) -> Organisation:
    if not is_plain_id(raw) or not finance_of(current_user, int(raw)):
        abort(404)
    organisation = db.session.get(Organisation, int(raw))
    if organisation is None:
        abort(404)
    return organisation


def _field_error(form, error: DomainError) -> None:
    field = getattr(error, "field", None)
    target = form[field] if field and field in form else None
    if target is None:
        flash(str(error), "error")
    else:
        target.errors = list(target.errors) + [str(error)]


@bp.route("/schools/new", methods=["GET", "POST"], endpoint="new_school")
@login_required
@two_factor.enrolled_required
def new_school():
    choices = schools.finance_organisations(current_user)
    if not choices:
        abort(404)
    raw = request.args.get("organisation_id")
    if raw is None and len(choices) == 1:
        raw = str(choices[0].id)
    if raw is None:  # finance of several: which organisation's school?
        if request.method == "POST":
            abort(400)
        return render_template("sustainability/schools_choose_organisation.html", organisations=choices)
    organisation = _organisation_or_404(raw)
    form = NewSchoolForm()
    form.set_applications(schools.transition_candidates(organisation.id))
    if request.method == "GET" and is_plain_id(request.args.get("application_id")):
        chosen = request.args["application_id"]
        picked = next((a for a in schools.transition_candidates(organisation.id) if str(a.id) == chosen), None)
        if picked is not None:  # "prefill from this application"
            form.application_id.data = chosen
            form.name.data = picked.school_name or picked.team.name
            form.grades.data = (picked.current_grades or picked.grades or "")[:40]
            form.opening_year.data = picked.transition_year or picked.launch_year
            form.target_enrollment.data = picked.target_enrollment or picked.current_enrollment
    if form.validate_on_submit():
        try:
            school = schools.create_school(
                organisation, name=form.name.data, grades=form.grades.data or "", opening_year=form.opening_year.data,
                target_enrollment=form.target_enrollment.data, application_id=form.chosen_application_id,
                actor=current_user)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        except IntegrityError:  # another request made the school of this application meanwhile
            db.session.rollback()
            form.application_id.errors = ["That application has a school now."]
        else:
            flash(f"{school.name} added. Name the people who report for it.", "success")
            return redirect(url_for("sustainability.reporters", school_id=school.id))
    return render_template("sustainability/schools_form.html", form=form, organisation=organisation, school=None,
                           applications=form.application_id.choices[1:]), (422 if request.method == "POST" else 200)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"], endpoint="edit_school")
@login_required
@two_factor.enrolled_required
def edit_school(school_id: int):
    school = visible_or_404(School, school_id, "manage")
    form = SchoolForm(obj=None if request.method == "POST" else school,
                      data=None if request.method == "POST" else {"opening_year": school.planned_opening_year})
    if form.validate_on_submit():
        try:
            changes = schools.edit_school(school, name=form.name.data, grades=form.grades.data or "",
                                          opening_year=form.opening_year.data,
                                          target_enrollment=form.target_enrollment.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            flash(f"{school.name} saved." if changes else "Nothing changed.", "success")
            return redirect(url_for("sustainability.school", school_id=school.id))
    return render_template("sustainability/schools_form.html", form=form, organisation=school.organisation,
                           school=school, applications=[], source_label=SchoolSource(school.source).label), (422 if request.method == "POST" else 200)


def _reporters_page(school: School, form: InviteReporterForm | None = None, status: int = 200):
    return render_template("sustainability/schools_reporters.html", school=school,
                           people=schools.reporters_of(school), form=form or InviteReporterForm(),
                           button=CsrfForm()), status


@bp.route("/schools/<int:school_id>/reporters", methods=["GET", "POST"], endpoint="reporters")
@login_required
@two_factor.enrolled_required
def reporters(school_id: int):
    school = visible_or_404(School, school_id, "reporters")
    if request.method == "GET":
        return _reporters_page(school)
    form = InviteReporterForm()
    if not form.validate_on_submit():
        return _reporters_page(school, form, 422)
    try:
        made = schools.invite_reporter(school, email=form.email.data, actor=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _field_error(form, error)
        return _reporters_page(school, form, 422)
    except IntegrityError:  # the same person added by another request meanwhile
        db.session.rollback()
        form.email.errors = [f"{form.email.data} already reports for {school.name}."]
        return _reporters_page(school, form, 422)
    if isinstance(made, SchoolReporter):
        flash(f"{made.user.display_name} now reports for {school.name}; we told them by email.", "success")
    else:
        flash(f"Invitation sent to {made.email}.", "success")
    return redirect(url_for("sustainability.reporters", school_id=school.id))


@bp.route("/schools/<int:school_id>/reporters/<int:reporter_id>/remove", methods=["POST"], endpoint="remove_reporter")
@login_required
@two_factor.enrolled_required
def remove_reporter(school_id: int, reporter_id: int):
    reporter = visible_or_404(SchoolReporter, reporter_id, "remove")
    if reporter.school_id != school_id:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    name, school = reporter.user.display_name, reporter.school
    schools.remove_reporter(reporter, actor=current_user)
    db.session.commit()
    flash(f"{name} no longer reports for {school.name}.", "success")
    return redirect(url_for("sustainability.reporters", school_id=school_id))


@bp.route("/schools/<int:school_id>/invitations/<int:invitation_id>/revoke", methods=["POST"],
          endpoint="revoke_invitation")
@login_required
@two_factor.enrolled_required
def revoke_invitation(school_id: int, invitation_id: int):
    invitation = visible_or_404(SchoolInvitation, invitation_id, "revoke")
    if invitation.school_id != school_id:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        schools.revoke_invitation(invitation, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Invitation to {invitation.email} revoked.", "success")
    return redirect(url_for("sustainability.reporters", school_id=school_id))


@bp.route("/invitations/<token>", methods=["GET", "POST"], endpoint="invitation")
def invitation(token: str):
    """As the design teams' invitations: anyone with the link sees what it invites to, and is
    asked to sign in (or register) with the invited address; only that account may accept."""
    found = schools.find_invitation(token)
    if found is None:
        abort(404)
    form = CsrfForm()
    status = found.status(utcnow())
    # Signed in with another address: the page says so, and nothing can be accepted from here.
    wrong_account = current_user.is_authenticated and not found.is_addressed_to(current_user)
    if request.method == "POST" and not wrong_account and status == "pending":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if not form.validate_on_submit():
            abort(400)
        try:
            schools.accept_invitation(found, user=current_user)
            db.session.commit()
        except (DomainError, NotAllowed, IntegrityError) as error:
            db.session.rollback()
            flash(str(error) if not isinstance(error, IntegrityError)
                  else "Someone accepted this invitation at the same moment; try again.", "error")
        else:
            flash(f"You now report for {found.school.name}.", "success")
            return redirect(url_for("sustainability.school", school_id=found.school_id))
    code = 410 if status != "pending" else 403 if wrong_account else 200
    return render_template("sustainability/schools_invitation.html", invitation=found, status=status, form=form,
                           has_account=find_user(found.email) is not None,
                           may_manage=can(current_user, "reporters", found.school)), code
