"""Setting incubation up: the cohorts a person may see, a new cohort from a challenge's selected
teams, a cohort's settings (name, length, coaches, a team added later, a team leaving or coming
back) and a team's due dates. Staff pages answer 404 to everyone else. Views translate HTTP to a
service call and back; one commit per request."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.accounts.models import Role
from incubator.challenges.models import Challenge, Track
from incubator.core.errors import DomainError
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import cohort_forms as forms
from incubator.incubation import cohort_listing as listing
from incubator.incubation import cohorts as services
from incubator.incubation import dates
from incubator.incubation.models import Cohort, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus
from incubator.incubation.views import bp


def _coach_choices(organisation_id: int):
    return [(u.id, u.display_name) for u in services.possible_coaches(organisation_id)]


def _team_label(application) -> str:
    school, team = application.school_name, application.team.name
    return f"{school} ({team})" if school and school != team else team


# ---- the index --------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def cohorts():
    now = utcnow()
    is_staff = listing.runs_incubation(current_user)
    page = rows = waiting = templates = None
    if is_staff:
        page = paginate(listing.staff_cohorts_query(current_user))
        rows = listing.cohort_rows(page.items, now)
        waiting = listing.challenges_waiting(current_user)
        templates = listing.template_organisations(current_user)
    coached = listing.coached_cohorts(current_user)
    if is_staff:  # the cohorts of the organisations they run are listed below already
        ran = listing.staff_organisation_ids(current_user)
        coached = [c for c in coached if ran is not None and c.organisation_id not in ran]
    coached = listing.cohort_rows(coached, now)
    places = listing.places_summary(listing.own_places(current_user), now)
    is_coach = bool(current_user.organisations_with(Role.coach))
    return render_template("incubation/cohorts_index.html", is_staff=is_staff, is_coach=is_coach, page=page, rows=rows,
                           waiting=waiting, templates=templates, coached=coached, places=places, now=now)


# ---- a new cohort -----------------------------------------------------------------------------------


@bp.route("/challenges/<int:challenge_id>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    if challenge.track != Track.new_school:
        return render_template("incubation/cohorts_new.html", challenge=challenge, form=None, candidates=[],
                               not_new_school=True)
    candidates = services.candidates(challenge)
    form = forms.NewCohortForm()
    form.application_ids.choices = [(a.id, _team_label(a)) for a in candidates]
    form.coach_ids.choices = _coach_choices(challenge.organisation_id)
    if request.method == "GET":
        form.application_ids.data = [a.id for a in candidates]
        form.starts_on.data = local(utcnow(), challenge.timezone).date()
    if candidates and form.validate_on_submit():
        now = utcnow()
        try:
            cohort = services.create_cohort(
                challenge, name=form.name.data, starts_on=form.starts_on.data, length_months=form.length_months.data,
                application_ids=form.application_ids.data, coach_ids=form.coach_ids.data, actor=current_user,
                now=now)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            teams = len(cohort.teams)
            flash(f"Made {cohort.name} with {teams} team{'s' if teams != 1 else ''}. Each team has its own copy of "
                  f"the milestone template, due from {cohort.starts_on:%-d %B %Y}.", "success")
            return redirect(url_for("incubation.cohort", cohort_id=cohort.id))
    status = 422 if request.method == "POST" else 200
    return render_template("incubation/cohorts_new.html", challenge=challenge, form=form, candidates=candidates,
                           not_new_school=False), status


# ---- a cohort's settings ----------------------------------------------------------------------------


def _settings_page(cohort: Cohort, *, settings=None, coaches=None, add=None, status: int = 200):
    if settings is None:
        settings = forms.CohortSettingsForm(obj=cohort, formdata=None)
    if coaches is None:
        coaches = forms.CoachesForm(formdata=None)
        coaches.coach_ids.data = [c.user_id for c in cohort.coaches]
    choices = _coach_choices(cohort.organisation_id)
    # A coach named before who has lost the role stays listed, so staff can untick them.
    known = {value for value, _ in choices}
    choices += [(c.user_id, f"{c.user.display_name} (no longer a coach)") for c in cohort.coaches
                if c.user_id not in known]
    coaches.coach_ids.choices = choices
    candidates = services.candidates(cohort.challenge)
    if add is None:
        add = forms.AddTeamForm(formdata=None)
    add.application_id.choices = [(str(a.id), _team_label(a)) for a in candidates]
    teams = sorted(cohort.teams, key=lambda t: (t.status != CohortTeamStatus.active, t.school_name.lower(), t.id))
    return render_template("incubation/cohorts_settings.html", cohort=cohort, settings=settings, coaches=coaches,
                           add=add, candidates=candidates, teams=teams, CohortTeamStatus=CohortTeamStatus), status


@bp.route("/cohorts/<int:cohort_id>/settings", methods=["GET", "POST"])
@login_required
def cohort_settings(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage")
    if request.method == "GET":
        return _settings_page(cohort)
    form = forms.CohortSettingsForm()
    if form.validate_on_submit():
        try:
            changed = services.update_cohort(cohort, name=form.name.data, length_months=form.length_months.data,
                                            actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Saved. The cohort runs from {cohort.starts_on:%-d %B %Y} to {cohort.ends_on:%-d %B %Y}."
                  if changed else "Nothing changed.", "success")
            return redirect(url_for("incubation.cohort_settings", cohort_id=cohort.id))
    return _settings_page(cohort, settings=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/settings/coaches")
@login_required
def cohorts_coaches(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage")
    form = forms.CoachesForm()
    form.coach_ids.choices = _coach_choices(cohort.organisation_id) + [(c.user_id, "") for c in cohort.coaches]
    if form.validate_on_submit():
        try:
            added, removed = services.set_coaches(cohort, form.coach_ids.data, actor=current_user, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            said = [f"Added {', '.join(u.display_name for u in added)}." if added else "",
                    f"Removed {', '.join(u.display_name for u in removed)}." if removed else ""]
            flash(" ".join(s for s in said if s) or "The coaches are as they were.", "success")
            return redirect(url_for("incubation.cohort_settings", cohort_id=cohort.id) + "#coaches")
    return _settings_page(cohort, coaches=form, status=422)


@bp.post("/cohorts/<int:cohort_id>/settings/teams")
@login_required
def cohorts_add_team(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage")
    form = forms.AddTeamForm()
    candidates = {str(a.id): a for a in services.candidates(cohort.challenge)}
    form.application_id.choices = [(key, _team_label(a)) for key, a in candidates.items()]
    if form.validate_on_submit():
        try:
            cohort_team = services.add_team(cohort, candidates[form.application_id.data], actor=current_user,
                                           now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Added {cohort_team.school_name}. Its milestones are due from the cohort's start like everyone's: "
                  "move its dates if it joins late.", "success")
            return redirect(url_for("incubation.shift_dates", cohort_team_id=cohort_team.id))
    return _settings_page(cohort, add=form, status=422)


@bp.route("/teams/<int:cohort_team_id>/leave", methods=["GET", "POST"])
@login_required
def cohorts_leave(cohort_team_id: int):
    cohort_team = visible_or_404(CohortTeam, cohort_team_id, "manage")
    if cohort_team.status != CohortTeamStatus.active:
        flash(f"{cohort_team.school_name} has already left the cohort.", "info")
        return redirect(url_for("incubation.cohort_settings", cohort_id=cohort_team.cohort_id) + "#teams")
    form = forms.LeaveForm()
    if request.method == "GET":
        form.version.data = str(cohort_team.version)
    if form.validate_on_submit():
        try:
            services.leave(cohort_team, form.reason.data, actor=current_user, now=utcnow(),
                          expected_version=_version(form.version.data))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"{cohort_team.school_name} left {cohort_team.cohort.name}. Its milestones are kept; you can bring "
                  "it back from this page.", "success")
            return redirect(url_for("incubation.cohort_settings", cohort_id=cohort_team.cohort_id) + "#teams")
    status = 422 if request.method == "POST" else 200
    return render_template("incubation/cohorts_leave.html", cohort_team=cohort_team, form=form), status


@bp.post("/teams/<int:cohort_team_id>/return")
@login_required
def cohorts_return(cohort_team_id: int):
    cohort_team = visible_or_404(CohortTeam, cohort_team_id, "manage")
    try:
        services.bring_back(cohort_team, actor=current_user, expected_version=_version(request.form.get("version")))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{cohort_team.school_name} is back in {cohort_team.cohort.name}, with the milestones it had.", "success")
    return redirect(url_for("incubation.cohort_settings", cohort_id=cohort_team.cohort_id) + "#teams")


def _version(text: str | None) -> int:
    """The version a form carried; a missing or malformed one counts as stale (-1)."""
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 else -1


# ---- a team's due dates -----------------------------------------------------------------------------


def _dates_page(cohort_team: CohortTeam, *, shift=None, errors_for: int | None = None, due_form=None,
                status: int = 200):
    if shift is None:
        shift = forms.ShiftForm(formdata=None)
        shift.stamp.data = dates.plan_stamp(cohort_team)
    rows = []
    for milestone in cohort_team.milestones:
        if milestone.id == errors_for and due_form is not None:
            form = due_form
        else:
            form = forms.DueDateForm(formdata=None, prefix=f"m{milestone.id}")
            form.due_on.data, form.was.data = milestone.due_on, milestone.due_on.isoformat()
        rows.append((milestone, form))
    return render_template("incubation/cohorts_dates.html", cohort_team=cohort_team, cohort=cohort_team.cohort,
                           shift=shift, rows=rows, now=utcnow(), MilestoneStatus=MilestoneStatus,
                           latest=dates.latest_allowed(cohort_team)), status


@bp.route("/teams/<int:cohort_team_id>/dates", methods=["GET", "POST"])
@login_required
def shift_dates(cohort_team_id: int):
    cohort_team = visible_or_404(CohortTeam, cohort_team_id, "manage")
    if request.method == "GET":
        return _dates_page(cohort_team)
    form = forms.ShiftForm()
    if form.validate_on_submit():
        try:
            moves = dates.shift_team(cohort_team, form.days.data, actor=current_user, now=utcnow(),
                                     stamp=form.stamp.data or "")
        except DomainError as error:
            db.session.rollback()
            form.days.errors = [*form.days.errors, str(error)]
        else:
            db.session.commit()
            days = form.days.data
            flash(f"Moved {len(moves)} due date{'s' if len(moves) != 1 else ''} of {cohort_team.school_name} "
                  f"{abs(days)} day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'}.", "success")
            return redirect(url_for("incubation.shift_dates", cohort_team_id=cohort_team.id))
    # The stamp is the dates the page showed: a refused shift shows today's dates with a fresh one.
    form.stamp.data = dates.plan_stamp(cohort_team)
    return _dates_page(cohort_team, shift=form, status=422)


@bp.post("/milestones/<int:milestone_id>/due-date")
@login_required
def cohorts_due_date(milestone_id: int):
    milestone = visible_or_404(Milestone, milestone_id, "shift")
    cohort_team = milestone.cohort_team
    form = forms.DueDateForm(prefix=f"m{milestone.id}")
    if form.validate_on_submit():
        try:
            move = dates.set_due_on(milestone, form.due_on.data, actor=current_user, now=utcnow(),
                                    expected=_day(form.was.data))
        except DomainError as error:
            db.session.rollback()
            form.due_on.errors = [*form.due_on.errors, str(error)]
            if milestone.status == MilestoneStatus.approved:  # its row has no form to show the message
                flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"\u201c{milestone.title}\u201d is now due on {move.new:%-d %B %Y}." if move else
                  f"\u201c{milestone.title}\u201d was already due on that day.", "success")
            return redirect(url_for("incubation.shift_dates", cohort_team_id=cohort_team.id) + f"#m{milestone.id}")
    form.was.data = milestone.due_on.isoformat()
    return _dates_page(cohort_team, errors_for=milestone.id, due_form=form, status=422)


def _day(text: str | None) -> date:
    """The due date the form showed; a missing or malformed one counts as stale."""
    try:
        return date.fromisoformat(text) if text and len(text) == 10 else date.min
    except ValueError:
        return date.min
