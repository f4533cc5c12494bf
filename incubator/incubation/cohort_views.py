"""The cohort page: the grid of teams x milestones. (Placeholder of the foundation: the grid
area builds it.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.views import bp
from incubator.incubation.models import Cohort


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    obj = visible_or_404(Cohort, cohort_id, "view")
    return render_template("incubation/placeholder.html", title=obj.name)
