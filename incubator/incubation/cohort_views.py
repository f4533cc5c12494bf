"""The cohort page: the grid of teams x milestones that program staff put on the projector at
the weekly staff meeting (counts, next due dates, filters, one landscape page when printed).
Staff of the organisation and the cohort's coaches see it; anyone else gets 404."""
from flask import render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from incubator.core.forms import query_arg
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import format_local, utcnow
from incubator.incubation import grid
from incubator.incubation.models import Cohort, CohortCoach
from incubator.incubation.permissions import staff_of
from incubator.incubation.views import bp


def _print_density(rows: int, columns: int) -> str:
    """How tightly the print sheet sets the grid, so it stays on one landscape page (the limits
    were found by printing the bench's grids with Chromium)."""
    if rows <= ROOMY[0] and columns <= ROOMY[1]:
        return "print-roomy"
    if rows <= COMPACT[0] and columns <= COMPACT[1]:
        return "print-compact"
    return "print-dense"


ROOMY, COMPACT = (6, 7), (18, 12)


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def cohort(cohort_id: int):
    cohort = visible_or_404(Cohort, cohort_id, "view", options=[
        joinedload(Cohort.organisation), joinedload(Cohort.challenge),
        selectinload(Cohort.coaches).joinedload(CohortCoach.user)])
    now = utcnow()
    filters = grid.Filters.from_args(query_arg)
    the_grid = grid.build(cohort, filters, now)
    is_staff = staff_of(current_user, cohort.organisation_id)
    # Links built once, not by url_for in each of up to 600 cells.
    milestone_url = url_for(".milestone", milestone_id=1)[:-1]
    team_url = url_for(".team", cohort_team_id=1)[:-1]
    outcome_url = url_for(".outcome", cohort_team_id=1)
    outcome_url = outcome_url[:outcome_url.rindex("/1/") + 1], outcome_url[outcome_url.rindex("/1/") + 2:]
    return render_template(
        "incubation/grid.html", cohort=cohort, grid=the_grid, filters=filters, states=grid.STATES,
        progress=grid.progress(cohort, now), is_staff=is_staff,
        coaches=sorted((c.user for c in cohort.coaches), key=lambda u: u.display_name.casefold()),
        now_words=format_local(now, cohort.timezone), milestone_url=milestone_url, team_url=team_url, outcome_url=outcome_url,
        density=_print_density(len(the_grid.rows), len(the_grid.columns)))
