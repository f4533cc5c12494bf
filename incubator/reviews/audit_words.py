"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.applications.models import Application, Team
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db
from incubator.reviews.models import Decision, ReviewRound

# ---- decisions and the organisations' mail templates (reviews/decisions, core/mail_templates) ----

phrases({
    "review.decided": "{actor} decided {object} in {details[round]}: {from} to {to}",
    "review.decision_updated": "{actor} changed the rationale of the decision on {object}",
    "mail_template.updated": "{actor} edited the email \u201c{details[label]}\u201d of {object}",
    "mail_template.reset": "{actor} reset the email \u201c{details[label]}\u201d of {object} to the default wording",
})


@names("Decision")
def _decisions(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Decision.id, Decision.round_id, Decision.application_id, Application.school_name, Team.name,
                  ReviewRound.title)
        .join(Application, Application.id == Decision.application_id).join(Team, Team.id == Application.team_id)
        .join(ReviewRound, ReviewRound.id == Decision.round_id).where(Decision.id.in_(ids)))
    return {i: Named(f"{school or team} ({team}) in {round_title}",
                     url_for("reviews.decide", round_id=round_id, application_id=application_id))
            for i, round_id, application_id, school, team, round_title in rows}

