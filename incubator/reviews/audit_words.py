"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa

from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db

phrases({
})

# ---- assignment (manual and automatic assignment, bids, reminders) ----------------------------

phrases({
    "review.auto_assigned": "{actor} applied the automatic assignment of {object}: {details[added]} new "
                            "assignment(s), {details[unmet]} reviewer place(s) still unfilled",
    "review.assigned": "{actor} assigned {object}",
    "review.unassigned": "{actor} unassigned {details[reviewer]} from {details[application]} in {object}",
    "review.bids_saved": "{actor} saved their review preferences ({details[changed]} changed) in {object}",
    "review.reminded": "{actor} sent {details[reminded]} reminder(s) to reviewers of {object}",
})


@names("Assignment")
def _assignments(ids: set[int]) -> dict[int, Named]:
    from incubator.accounts.models import User
    from incubator.applications.models import Application, Team
    from incubator.reviews.models import Assignment

    rows = db.session.execute(
        sa.select(Assignment.id, Application.school_name, Team.name, User.name, User.email)
        .join(Application, Application.id == Assignment.application_id).join(Team, Team.id == Application.team_id)
        .join(User, User.id == Assignment.reviewer_id).where(Assignment.id.in_(ids)))
    return {i: Named(f"{name or email} to review {school or team}") for i, school, team, name, email in rows}
