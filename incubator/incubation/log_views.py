"""The stakeholder input log and the coaching log of a team. (Placeholder of the foundation:
the logs area builds them.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.views import bp
from incubator.incubation.models import CohortTeam


@bp.get("/teams/<int:cohort_team_id>/stakeholders")
@login_required
def stakeholders(cohort_team_id: int):
    obj = visible_or_404(CohortTeam, cohort_team_id, "view")
    return render_template("incubation/placeholder.html", title=obj.school_name)


@bp.get("/teams/<int:cohort_team_id>/coaching")
@login_required
def coaching(cohort_team_id: int):
    obj = visible_or_404(CohortTeam, cohort_team_id, "view")
    return render_template("incubation/placeholder.html", title=obj.school_name)
