"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import User
from incubator.applications.models import Application, Team
from incubator.challenges.models import Challenge
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db
from incubator.reviews.models import Assignment, Decision, ReviewRound

# ---- decisions (reviews/decisions) ----

phrases({
    "review.decided": "{actor} decided {object} in {details[round]}: {from} to {to}",
    "review.decision_updated": "{actor} changed the rationale of the decision on {object}",
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

# ---- rounds and rubrics ----------------------------------------------------------------------------
phrases({
    "review.round_created": "{actor} created the review round {object}",
    "review.round_updated": "{actor} changed the settings of the review round {object} ({details[changed]})",
    "review.round_deleted": "{actor} deleted the review round \u201c{details[title]}\u201d of {object}",
    "review.round_moved": "{actor} moved the review round {object} {details[direction]}",
    "review.criterion_added": "{actor} added the criterion \u201c{details[title]}\u201d to the rubric of {object}",
    "review.criterion_updated": "{actor} changed the criterion \u201c{details[title]}\u201d of the rubric of {object}",
    "review.criterion_removed": "{actor} removed the criterion \u201c{details[title]}\u201d from the rubric of {object}",
    "review.criterion_moved": "{actor} moved the criterion \u201c{details[title]}\u201d of the rubric of {object} "
                              "{details[direction]}",
    "review.rubric_defaulted": "{actor} gave {object} the default rubric",
    "review.rubric_copied": "{actor} copied the rubric of {details[source]} into {object}",
    "review.reviewer_added": "{actor} added {details[reviewer]} to the pool of {object}",
    "review.reviewer_removed": "{actor} removed {details[reviewer]} from the pool of {object} "
                               "({details[assignments_removed]} open assignment(s) removed)",
    "review.reviewer_max_set": "{actor} set the own maximum of {details[reviewer]} in {object} to {details[max_load]}",
})


@names("ReviewRound")
def _review_rounds(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(ReviewRound.id, ReviewRound.title, Challenge.title)
                              .join(Challenge, Challenge.id == ReviewRound.challenge_id).where(ReviewRound.id.in_(ids)))
    return {i: Named(f"{title} ({challenge})", url_for("reviews.round_detail", round_id=i))
            for i, title, challenge in rows}
# ---- end of rounds and rubrics ---------------------------------------------------------------------


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
# --- scoring (reviewer's queue, scoring form, blind mode, reopen) ---
phrases({
    "review.started": "{actor} started {object}",
    "review.submitted": "{actor} submitted {object} (score {details[score]}, recommendation {details[recommendation]})",
    "review.reopened": "{actor} reopened {object}: \u201c{details[reason]}\u201d",
    "review.school_name_identifying": "{actor} marked the school name of {object} as identifying the team",
    "review.school_name_not_identifying": "{actor} marked the school name of {object} as not identifying the team",
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
