"""Team pages: my teams, a team's members, invitations and lead. Application pages are in
application_views.py, on the same blueprint."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.applications import forms, teams
from incubator.applications.models import Team, TeamInvitation
from incubator.challenges.listing import open_challenges_query
from incubator.challenges.models import Challenge
from incubator.core.errors import DomainError
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db, limiter, minutes_until_reset

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.get("/teams")
@login_required
def my_teams():
    mine = teams.teams_of(current_user)
    return render_template("applications/teams.html", teams=mine, applications=teams.applications_of(mine))


@bp.route("/teams/new", methods=["GET", "POST"])
@login_required
def team_new():
    form = forms.TeamForm()
    if form.validate_on_submit():
        try:
            team = teams.create_team(form.name.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Team {team.name} created. Invite your teammates by email.", "success")
            return redirect(url_for(".team_detail", team_id=team.id))
    return render_template("applications/team_form.html", form=form), (422 if request.method == "POST" else 200)


def _open_challenges() -> list[Challenge]:
    return list(db.session.scalars(open_challenges_query(utcnow()).limit(50)))


def team_page(team: Team, status: int = 200, invite_form=None):
    applications = teams.applications_of([team])[team.id]
    started = {a.challenge_id for a in applications}
    lead_form = forms.LeadForm()
    lead_form.member.choices = [(m.user_id, m.user.display_name) for m in team.members if not m.is_lead]
    return render_template("applications/team_detail.html", team=team, applications=applications,
                           invitations=teams.pending_invitations(team), invite_form=invite_form or forms.InviteForm(),
                           lead_form=lead_form, start_form=forms.StartForm(),
                           challenges=[c for c in _open_challenges() if c.id not in started],
                           is_lead=team.lead is not None and team.lead.id == current_user.id), status


def _only_lead(team: Team):
    flash("Only the team's lead can invite people, revoke invitations or hand over the lead.", "error")
    return team_page(team, 403)


@bp.get("/teams/<int:team_id>")
@login_required
def team_detail(team_id: int):
    return team_page(visible_or_404(Team, team_id))


def _invitee_key() -> str:
    from incubator.accounts.forms import canonical_email

    return "invitee:" + canonical_email(request.form.get("email", ""))


def _invitation_sent(response) -> bool:
    return response.status_code == 302  # only invitations that went out count towards the limits


def _too_many_invitations(request_limit):
    """The team page again, with the address kept and when the next invitation can go out."""
    team = db.session.get(Team, request.view_args["team_id"])
    if team is None or not can(current_user, "manage", team):
        return None  # the plain 429 page; the view would have answered 404 or 403 anyway
    form = forms.InviteForm()
    who = "to this address" if "/invitee:" in request_limit.key else "from your account"
    form.email.errors = [f"Too many invitations {who} in a short time. Try again in "
                         f"{minutes_until_reset(request_limit)} minutes."]
    page, _ = team_page(team, 429, form)
    return current_app.make_response((page, 429))


@bp.post("/teams/<int:team_id>/invitations")
@login_required
@limiter.limit(lambda: current_app.config["INVITATION_LIMIT_PER_SENDER"], key_func=lambda: f"inviter:{current_user.id}",
               scope="invite-sender", deduct_when=_invitation_sent, on_breach=_too_many_invitations)
@limiter.limit(lambda: current_app.config["INVITATION_LIMIT_PER_RECIPIENT"], key_func=_invitee_key,
               scope="invite-recipient", deduct_when=_invitation_sent, on_breach=_too_many_invitations)
def team_invite(team_id: int):
    team = visible_or_404(Team, team_id)
    if not can(current_user, "manage", team):
        return _only_lead(team)
    form = forms.InviteForm()
    if not form.validate_on_submit():
        return team_page(team, 422, form)
    try:
        teams.invite(team, email=form.email.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return team_page(team, 422, form)
    db.session.commit()
    flash(f"Invitation sent to {form.email.data}.", "success")
    return redirect(url_for(".team_detail", team_id=team.id))


@bp.post("/teams/<int:team_id>/invitations/<int:invitation_id>/revoke")
@login_required
def team_revoke(team_id: int, invitation_id: int):
    invitation = visible_or_404(TeamInvitation, invitation_id)
    if invitation.team_id != team_id:
        abort(404)
    if not can(current_user, "manage", invitation.team):
        return _only_lead(invitation.team)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        teams.revoke_invitation(invitation, actor=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Invitation to {invitation.email} revoked.", "success")
    return redirect(url_for(".team_detail", team_id=team_id))


@bp.post("/teams/<int:team_id>/lead")
@login_required
def team_lead(team_id: int):
    team = visible_or_404(Team, team_id)
    if not can(current_user, "manage", team):
        return _only_lead(team)
    form = forms.LeadForm()
    form.member.choices = [(m.user_id, m.user.display_name) for m in team.members if not m.is_lead]
    if not form.validate_on_submit():
        flash("Choose a member of the team.", "error")
        return team_page(team, 422)
    try:
        teams.hand_over_lead(team, to_user_id=form.member.data, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return team_page(team, 422)
    db.session.commit()
    flash(f"{team.lead.display_name} now leads {team.name}.", "success")
    return redirect(url_for(".team_detail", team_id=team.id))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    found = teams.find_invitation(token)
    if found is None:
        abort(404)
    form = forms.ConfirmForm()
    status = found.status(utcnow())
    # Signed in with another address: the page says so, and nothing can be accepted from here.
    wrong_account = current_user.is_authenticated and not found.is_addressed_to(current_user)
    if request.method == "POST" and not wrong_account:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if form.validate_on_submit():
            try:
                teams.accept_invitation(found, user=current_user)
            except DomainError as error:
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(f"You joined {found.team.name}.", "success")
                return redirect(url_for(".team_detail", team_id=found.team_id))
    from incubator.accounts.services import find_user

    code = 410 if status != "pending" else 403 if wrong_account else 200
    return render_template("applications/invitation.html", invitation=found, status=status, form=form,
                           has_account=find_user(found.email) is not None, wrong_account=wrong_account), code


@bp.post("/invitations/mine/<int:invitation_id>/accept")
@login_required
def accept_mine(invitation_id: int):
    """Accept from the dashboard: for an invitation sent to the signed-in person's confirmed address."""
    found = db.session.get(TeamInvitation, invitation_id) if invitation_id < 2**31 else None
    if found is None or not current_user.is_confirmed or found.email != current_user.email:
        abort(404)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        teams.accept_invitation(found, user=current_user)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("core.dashboard"))
    db.session.commit()
    flash(f"You joined {found.team.name}.", "success")
    return redirect(url_for(".team_detail", team_id=found.team_id))


from incubator.applications import application_views  # noqa: E402,F401  (routes on the same blueprint)
