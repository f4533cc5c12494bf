"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db
from incubator.reviews.models import Assignment

phrases({
})

# --- scoring (reviewer's queue, scoring form, blind mode, reopen) ---
phrases({
    "review.started": "{actor} started {object}",
    "review.submitted": "{actor} submitted {object} (score {details[score]}, recommendation {details[recommendation]})",
    "review.reopened": "{actor} reopened {object}: \u201c{details[reason]}\u201d",
    "review.school_name_identifying": "{actor} marked the school name of {object} as identifying the team",
    "review.school_name_not_identifying": "{actor} marked the school name of {object} as not identifying the team",
})


@names("Assignment")
def _assignments(ids: set[int]) -> dict[int, Named]:
    """"Rae Reviewer's review of Bayou School": the trail is read by staff, so it may name the application."""
    rows = db.session.execute(
        sa.select(Assignment.id, User.name, User.email, Application.school_name)
        .join(User, User.id == Assignment.reviewer_id).join(Application, Application.id == Assignment.application_id)
        .where(Assignment.id.in_(ids)))
    out = {}
    for assignment_id, name, email, school in rows:
        who = name or email
        owner = f"{who}'" if who[-1:] in ("s", "S") else f"{who}'s"
        out[assignment_id] = Named(f"{owner} review of {school or 'an untitled school'}",
                                   url_for("reviews.score", assignment_id=assignment_id))
    return out
# --- end scoring ---
