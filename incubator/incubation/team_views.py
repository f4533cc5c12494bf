"""A team's incubation page and the cohort's readiness checkpoints. (Placeholder of the
foundation: the team-page area builds them.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.views import bp
from incubator.incubation.models import Cohort, CohortTeam


@bp.get("/teams/<int:cohort_team_id>")
@login_required
def team(cohort_team_id: int):
    obj = visible_or_404(CohortTeam, cohort_team_id, "view")
    return render_template("incubation/placeholder.html", title=obj.school_name)


@bp.get("/cohorts/<int:cohort_id>/readiness")
@login_required
def cohort_readiness(cohort_id: int):
    obj = visible_or_404(Cohort, cohort_id, "view")
    return render_template("incubation/placeholder.html", title=obj.name)
