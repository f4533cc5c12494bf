"""A milestone's page: its evidence, the team's submission, staff's decision.
(Placeholder of the foundation: the milestones area builds it.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.models import Milestone
from incubator.incubation.views import bp


@bp.get("/milestones/<int:milestone_id>")
@login_required
def milestone(milestone_id: int):
    milestone = visible_or_404(Milestone, milestone_id)
    return render_template("incubation/placeholder.html", title=milestone.title)
