"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db

phrases({
})


# ---- conflicts of interest (conflicts, declarations, reviewer profile) ---------------------------

phrases({
    "review.conflict_added": "{actor} recorded the conflict of interest {object}",
    "review.conflict_declared": "{actor} declared the conflict of interest {object}",
    "review.conflict_lifted": "{actor} lifted the conflict of interest {object}",
    "review.conflict_restored": "{actor} restored the conflict of interest {object}",
    "review.assignments_released": "{actor} removed {details[count]} assignment(s) without a submitted review "
                                   "because of the conflict of interest {object}",
    "review.conflicts_detected": "{actor} ran conflict detection for {object}: {details[count]} new conflict(s)",
    "review.no_conflict_declared": "{actor} declared no conflict of interest for {object}",
    "review.round_list_declared": "{actor} went through the list of people and organizations of {object} "
                                  "({details[ticked]} ticked)",
    "review.profile_saved": "{actor} saved their reviewer profile",
})


@names("Conflict")
def _conflicts(ids: set[int]) -> dict[int, Named]:
    from incubator.accounts.models import User
    from incubator.applications.models import Application
    from incubator.reviews.models import Conflict, ReviewRound

    latest_round = (sa.select(ReviewRound.id).where(ReviewRound.challenge_id == Application.challenge_id)
                    .order_by(ReviewRound.position.desc(), ReviewRound.id.desc()).limit(1).scalar_subquery())
    rows = db.session.execute(
        sa.select(Conflict.id, User.name, User.email, Application.school_name, Application.id, latest_round)
        .join(User, User.id == Conflict.reviewer_id).join(Application, Application.id == Conflict.application_id)
        .where(Conflict.id.in_(ids)))
    return {i: Named(f"of {name or email} with {school or f'application #{application_id}'}",
                     url_for("reviews.round_conflicts", round_id=round_id) if round_id else None)
            for i, name, email, school, application_id, round_id in rows}
