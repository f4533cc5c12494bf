"""The incubation blueprint. Its routes live in one module per concern, each adding to `bp`."""
from flask import Blueprint

bp = Blueprint("incubation", __name__, url_prefix="/incubation")

# Imported for their routes (each module decorates `bp`).
from incubator.incubation import cohort_admin_views  # noqa: E402,F401  (cohorts, the template: cohorts area)
from incubator.incubation import cohort_views  # noqa: E402,F401  (the grid: grid area)
from incubator.incubation import log_views  # noqa: E402,F401  (stakeholder and coaching logs: logs area)
from incubator.incubation import milestone_views  # noqa: E402,F401  (milestones, evidence, decisions)
from incubator.incubation import outcome_views  # noqa: E402,F401  (outcomes, schools, CSV, report)
from incubator.incubation import team_views  # noqa: E402,F401  (a team's page, checkpoints: team-page area)
from incubator.incubation import cohort_template_views  # noqa: E402,F401  (the milestone template: cohorts area)
