"""Outcomes at the end of a cohort, the school record of a team recommended to launch, the
cohort's CSV and report PDF. (Placeholder of the foundation: the outcomes area builds them.)"""
from flask import render_template
from flask_login import login_required

from incubator.core.permissions import visible_or_404
from incubator.incubation.views import bp
from incubator.incubation.models import Cohort, CohortTeam, School


@bp.get("/teams/<int:cohort_team_id>/outcome")
@login_required
def outcome(cohort_team_id: int):
    obj = visible_or_404(CohortTeam, cohort_team_id, "manage")
    return render_template("incubation/placeholder.html", title=obj.school_name)


@bp.get("/cohorts/<int:cohort_id>/milestones.csv")
@login_required
def cohort_csv(cohort_id: int):
    obj = visible_or_404(Cohort, cohort_id, "manage")
    return render_template("incubation/placeholder.html", title=obj.name)


@bp.get("/cohorts/<int:cohort_id>/report")
@login_required
def cohort_report(cohort_id: int):
    obj = visible_or_404(Cohort, cohort_id, "manage")
    return render_template("incubation/placeholder.html", title=obj.name)


@bp.get("/schools/<int:school_id>")
@login_required
def school(school_id: int):
    obj = visible_or_404(School, school_id, "view")
    return render_template("incubation/placeholder.html", title=obj.name)
