"""Outcomes at the end of a cohort, and the school record of a team recommended to launch.
(Placeholder of the foundation: the outcomes area builds them.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.models import School
from incubator.incubation.views import bp


@bp.get("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    school = visible_or_404(School, school_id)
    return render_template("incubation/placeholder.html", title=school.name)
