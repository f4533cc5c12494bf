"""Cohorts and the milestone template, for program staff. (Placeholder of the foundation:
the cohorts area builds it.)"""
from flask import render_template
from flask_login import current_user, login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.views import bp
from incubator.incubation.models import Cohort, CohortTeam


@bp.get("/cohorts/<int:cohort_id>/settings")
@login_required
def cohort_settings(cohort_id: int):
    obj = visible_or_404(Cohort, cohort_id, "manage")
    return render_template("incubation/placeholder.html", title=obj.name)


@bp.get("/teams/<int:cohort_team_id>/dates")
@login_required
def shift_dates(cohort_team_id: int):
    obj = visible_or_404(CohortTeam, cohort_team_id, "manage")
    return render_template("incubation/placeholder.html", title=obj.school_name)


@bp.get("/")
@login_required
def cohorts():
    return render_template("incubation/placeholder.html", title="Incubation")


@bp.get("/challenges/<int:challenge_id>/cohorts/new")
@login_required
def new_cohort(challenge_id: int):
    from incubator.challenges.models import Challenge

    challenge = visible_or_404(Challenge, challenge_id, "manage")
    return render_template("incubation/placeholder.html", title=f"New cohort of {challenge.title}")


@bp.get("/organisations/<int:org_id>/template")
@login_required
def template(org_id: int):
    from flask import abort

    from incubator.accounts.models import Organisation
    from incubator.extensions import db
    from incubator.incubation.permissions import staff_of

    organisation = db.session.get(Organisation, org_id)
    if organisation is None or not staff_of(current_user, org_id):
        abort(404)
    return render_template("incubation/placeholder.html", title="Milestone template")
