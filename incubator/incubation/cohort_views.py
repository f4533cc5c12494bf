"""The cohort page (the grid of teams x milestones) and a team's incubation page.
(Placeholder of the foundation: the grid area builds them.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.models import Cohort, CohortTeam
from incubator.incubation.views import bp


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id)
    return render_template("incubation/placeholder.html", title=cohort.name)


@bp.get("/teams/<int:cohort_team_id>")
@login_required
def team(cohort_team_id: int):
    cohort_team = visible_or_404(CohortTeam, cohort_team_id)
    return render_template("incubation/placeholder.html", title=cohort_team.school_name)
