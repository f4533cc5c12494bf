"""A team's incubation page and the cohort's readiness checkpoints (teampage area).

- `team`: the team, its cohort and coaches, the milestones as a timeline, stakeholder coverage,
  coaching hours, readiness growth across the checkpoints, the outcome (team, coaches, staff).
- `cohort_readiness`: each team's composite per checkpoint and its growth (staff, coaches);
  staff open a checkpoint for every active team there (`readiness_open_checkpoint`).
"""
import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import RadioField
from wtforms.validators import AnyOf, InputRequired

from incubator.applications.models import Application
from incubator.core import charts
from incubator.core.errors import DomainError
from incubator.core.forms import BaseForm
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import checkpoints, team_page
from incubator.incubation.models import Cohort, CohortTeam
from incubator.incubation.permissions import staff_of
from incubator.incubation.states import CHECKPOINTS
from incubator.incubation.views import bp
from incubator.readiness.scoring import fmt

CHOOSE = f"Choose one of the checkpoints: {', '.join(CHECKPOINTS)}."


class CheckpointForm(BaseForm):
    label = RadioField("Checkpoint", choices=[(c, c) for c in CHECKPOINTS], validate_choice=False,
                       validators=[InputRequired(message=CHOOSE), AnyOf(CHECKPOINTS, message=CHOOSE)])


def _growth_chart(growth):
    """The growth drawing as SVG, described in words (as readiness' own page does)."""
    if not growth.has_growth:
        return None
    summary = "; ".join(f"{title}: " + ", ".join(f"{a.label} {fmt(v, 'not rated')}"
                                                  for a, v in zip(growth.assessments, values))
                        for title, values in growth.series())
    return charts.to_svg(growth.chart(), description=summary)


@bp.get("/teams/<int:cohort_team_id>")
@login_required
def team(cohort_team_id: int):
    cohort_team = visible_or_404(CohortTeam, cohort_team_id, "view")
    cohort, now = cohort_team.cohort, utcnow()
    week = team_page.week_of(cohort, now)
    items = team_page.timeline(cohort_team, week.today, now)
    takes = checkpoints.takes_for([cohort_team])[cohort_team.id]
    growth = checkpoints.growth_of(takes)
    is_staff = staff_of(current_user, cohort.organisation_id)
    coverage = team_page.coverage(cohort_team)
    return render_template(
        "incubation/team.html", cohort_team=cohort_team, cohort=cohort, week=week, items=items,
        today_index=team_page.today_index(items), coaches=team_page.coaches(cohort_team),
        coverage=coverage, coverage_svg=coverage.svg(), coaching=team_page.coaching(cohort_team, items),
        takes=takes, growth=growth, chart=_growth_chart(growth), is_staff=is_staff,
        # Readiness shows assessments to the team and to staff only (a coach sees the numbers here).
        sees_assessments=is_staff or cohort_team.team.has_member(current_user),
        sees_cohort=is_staff or can(current_user, "view", cohort),
        school=team_page.school_of(cohort_team) if is_staff and cohort_team.outcome else None, tz=cohort.timezone)


def _readiness_page(cohort: Cohort, form: CheckpointForm | None = None, results=None, status: int = 200):
    teams = list(db.session.scalars(
        sa.select(CohortTeam).where(CohortTeam.cohort_id == cohort.id)
        .options(selectinload(CohortTeam.application).selectinload(Application.team))
        .order_by(CohortTeam.id)))
    is_staff = staff_of(current_user, cohort.organisation_id)
    return render_template(
        "incubation/readiness.html", cohort=cohort, teams=teams, takes=checkpoints.takes_for(teams),
        labels=CHECKPOINTS, is_staff=is_staff, form=form or CheckpointForm(), results=results,
        tz=cohort.timezone), status


@bp.get("/cohorts/<int:cohort_id>/readiness")
@login_required
def cohort_readiness(cohort_id: int):
    return _readiness_page(visible_or_404(Cohort, cohort_id, "view"))


@bp.post("/cohorts/<int:cohort_id>/readiness/checkpoints")
@login_required
def readiness_open_checkpoint(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "manage")
    form = CheckpointForm()
    if not form.validate_on_submit():
        return _readiness_page(cohort, form, status=422)
    try:
        results = checkpoints.open_for_cohort(cohort, form.label.data, actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.label.errors = [str(error)]
        return _readiness_page(cohort, form, status=422)
    except IntegrityError:  # another staff member opened the same checkpoint at the same moment
        db.session.rollback()
        form.label.errors = ["Someone opened checkpoints for this cohort a moment ago: nothing was changed. "
                             "Check the table below and try again."]
        return _readiness_page(cohort, form, status=409)
    return _readiness_page(cohort, CheckpointForm(formdata=None), results=(form.label.data, results))
