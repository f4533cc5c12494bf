"""Assigning reviewers: automatically (a preview, then apply the same proposal) or by hand
(one pair, one application to several reviewers, several applications to one reviewer).

Services flush and never commit. What the solver sees (see solver.py):

- the round's entrants and its pool (reviewers who still hold the reviewer role);
- every assignment of the round, kept as it is (never moved or removed): it counts toward
  its application's k when its reviewer is still in the pool (or has submitted) and no active
  conflict hides the application from them, so a reviewer who dropped out, a conflict found
  late or a late application leaves a gap the next run fills; loads count the same way
  (`round_loads`: a withdrawn application's or a conflicted pair's unstarted review is no work);
- the active conflicts (automatic ones are detected first) and, in a round with bids, the bids.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import Membership, Role, User
from incubator.applications.models import Application
from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews import conflicts, notify, removal, solver, tags
from incubator.reviews.entry import entrants_query
from incubator.reviews.permissions import reviewer_of
from incubator.reviews.models import Assignment, Conflict, ReviewBid, ReviewerProfile, ReviewRound, RoundReviewer
from incubator.reviews.states import ReviewStatus


class AssignmentRefused(DomainError):
    """A manual assignment or unassignment that cannot be made; the message says why."""


class ProposalChanged(DomainError):
    """The data changed since the preview: applying now would place other pairs."""

    def __init__(self, preview: "Preview"):
        super().__init__("The assignments changed since you looked at the preview (an application, a reviewer, "
                         "a conflict or an assignment was added or removed). Here is the new proposal; "
                         "check it and apply again.")
        self.preview = preview


@dataclass
class Preview:
    round: ReviewRound
    plan: solver.Plan
    applications: dict[int, Application]
    reviewers: dict[int, User]
    detected: int  # automatic conflicts found (and stored) by this run

    @property
    def digest(self) -> str:
        return self.plan.digest


def pool_query(review_round: ReviewRound) -> sa.Select:
    """(RoundReviewer, User) of the pool members who still hold the reviewer role, by user id."""
    has_role = sa.select(Membership.id).where(
        Membership.user_id == User.id, Membership.organisation_id == review_round.organisation_id,
        Membership.role == Role.reviewer).exists()
    return (sa.select(RoundReviewer, User).join(User, User.id == RoundReviewer.user_id)
            .where(RoundReviewer.round_id == review_round.id, User.is_deactivated.is_(False), has_role)
            .order_by(User.id))


def round_loads(review_round: ReviewRound) -> dict[int, int]:
    """Reviewer id -> their load in the round: the reviews they submitted, and their other
    assignments to applications still in the round that no active conflict hides from them
    (a withdrawn application's or a conflicted pair's unstarted review is no work)."""
    entrant_ids = entrants_query(review_round).with_only_columns(Application.id).order_by(None)
    conflicted = sa.select(Conflict.id).where(
        Conflict.application_id == Assignment.application_id, Conflict.reviewer_id == Assignment.reviewer_id,
        Conflict.lifted_at.is_(None)).exists()
    return dict(db.session.execute(sa.select(Assignment.reviewer_id, sa.func.count()).where(
        Assignment.round_id == review_round.id,
        sa.or_(Assignment.status == ReviewStatus.submitted,
               sa.and_(Assignment.application_id.in_(entrant_ids), ~conflicted)))
        .group_by(Assignment.reviewer_id)).all())


def preview(review_round: ReviewRound, *, now: datetime) -> Preview:
    """Detect (and store) automatic conflicts of entrants x pool, then propose new pairs."""
    applications = list(db.session.scalars(entrants_query(review_round)))
    pool = db.session.execute(pool_query(review_round)).all()
    users = [user for _, user in pool]
    detected = conflicts.detect(applications, users, now=now)
    app_ids = [a.id for a in applications]
    pool_ids = {user.id for user in users}
    expertise = dict(db.session.execute(sa.select(ReviewerProfile.user_id, ReviewerProfile.expertise).where(
        ReviewerProfile.user_id.in_(pool_ids))).all()) if pool_ids else {}
    existing = db.session.execute(sa.select(Assignment.application_id, Assignment.reviewer_id, Assignment.status)
                                  .where(Assignment.round_id == review_round.id)).all()
    active = conflicts.active_pairs(app_ids, pool_ids) if app_ids and pool_ids else set()
    loads: dict[int, int] = {}
    counted = []
    entrant_ids = set(app_ids)
    for application_id, reviewer_id, status in existing:
        if status == ReviewStatus.submitted or (  # as round_loads counts
                application_id in entrant_ids and (application_id, reviewer_id) not in active):
            loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
        if reviewer_id in pool_ids or status == ReviewStatus.submitted:
            counted.append((application_id, reviewer_id))
    bids = {}
    if review_round.has_bids and app_ids:
        bids = {(a, r): bid for a, r, bid in db.session.execute(
            sa.select(ReviewBid.application_id, ReviewBid.reviewer_id, ReviewBid.bid)
            .where(ReviewBid.round_id == review_round.id))}
    k = review_round.reviewers_per_application
    plan = solver.solve(
        [solver.ApplicationNeed(a.id, k, frozenset(tags.application_tags(a))) for a in applications],
        [solver.ReviewerOffer(user.id, frozenset(expertise.get(user.id) or ()), member.max_load,
                              loads.get(user.id, 0)) for member, user in pool],
        max_load=review_round.max_load, existing=counted,
        conflicts=active, bids=bids)
    return Preview(review_round, plan, {a.id: a for a in applications}, {u.id: u for u in users}, detected)


def apply(review_round: ReviewRound, *, actor, now: datetime, expected: str | None = None,
          notify_reviewers: bool = True) -> Preview:
    """Recompute the proposal and add its pairs (assigned_by None: placed automatically), and mail
    the reviewers who have new ones (`notify_reviewers=False`: the demo seed, which has no mail queue).

    :raises ProposalChanged: `expected` (the previewed digest) differs from the proposal now
    """
    require(actor, "manage", review_round)
    proposal = preview(review_round, now=now)
    if expected is not None and proposal.digest != expected:
        raise ProposalChanged(proposal)
    plan = proposal.plan
    if plan.pairs:
        db.session.execute(sa.insert(Assignment), [
            {"round_id": review_round.id, "application_id": a, "reviewer_id": r, "assigned_at": now,
             "assigned_by_id": None, "status": ReviewStatus.not_started, "version": 1, "overall_comment": ""}
            for a, r in plan.pairs])
    audit.record(actor, "review.auto_assigned", review_round, added=len(plan.pairs),
                 unmet=sum(plan.unmet.values()), conflicts_avoided=plan.conflicts_avoided,
                 capacity_short=plan.is_capacity_short)
    if notify_reviewers:
        notify.new_assignments(review_round, now=now)
    else:
        db.session.execute(sa.update(Assignment).where(Assignment.round_id == review_round.id,
                                                       Assignment.notified_at.is_(None)).values(notified_at=now))
    db.session.flush()
    return proposal


# ---- by hand ----------------------------------------------------------------------------------

def _refusal(review_round: ReviewRound, application: Application, reviewer: User, *, now: datetime,
             loads: dict[int, int], taken: set[tuple[int, int]]) -> str | None:
    """Why `reviewer` may not be given `application` in this round (None: they may)."""
    name = reviewer.display_name
    if application.challenge_id != review_round.challenge_id:  # another challenge's (maybe organization's): unnamed
        return "One of the chosen applications is not in this round."
    if db.session.scalar(sa.select(sa.func.count()).select_from(entrants_query(review_round).where(
            Application.id == application.id).subquery())) == 0:
        return f"{application.school_name or 'This application'} is not in this round."
    member = db.session.execute(pool_query(review_round).where(User.id == reviewer.id)).first()
    if member is None:
        if not reviewer_of(reviewer, review_round.organisation_id):  # anyone's id: not named
            return "One of the chosen people is not a reviewer of this round's pool."
        return f"{name} is not in this round's pool of reviewers (or no longer holds the reviewer role)."
    if (application.id, reviewer.id) in taken:
        return f"{name} is already assigned to {application.school_name or 'this application'}."
    conflicts.detect([application], [reviewer], now=now)
    conflict = db.session.scalar(sa.select(Conflict).where(
        Conflict.application_id == application.id, Conflict.reviewer_id == reviewer.id, Conflict.lifted_at.is_(None)))
    if conflict is not None:
        return f"{name} has a conflict of interest with this application ({conflict.source.label.lower()})."
    cap = solver.effective_cap(review_round.max_load, member[0].max_load)
    if cap is not None and loads.get(reviewer.id, 0) >= cap:
        return f"{name} already has {loads.get(reviewer.id, 0)} of at most {cap} applications in this round."
    return None


def assign_pairs(review_round: ReviewRound, pairs: list[tuple[Application, User]], *, actor,
                 now: datetime) -> list[Assignment]:
    """Assign each (application, reviewer); all or nothing.

    :raises AssignmentRefused: one pair or more cannot be made (every reason is in the message)
    """
    require(actor, "manage", review_round)
    if not pairs:
        raise AssignmentRefused("Choose at least one reviewer and application to assign.")
    loads = round_loads(review_round)
    taken = set(db.session.execute(sa.select(Assignment.application_id, Assignment.reviewer_id).where(
        Assignment.round_id == review_round.id)).all())
    reasons, made = [], []
    for application, reviewer in pairs:
        reason = _refusal(review_round, application, reviewer, now=now, loads=loads, taken=taken)
        if reason:
            reasons.append(reason)
            continue
        taken.add((application.id, reviewer.id))
        loads[reviewer.id] = loads.get(reviewer.id, 0) + 1
        made.append(Assignment(round_id=review_round.id, application_id=application.id, reviewer_id=reviewer.id,
                               assigned_at=now, assigned_by_id=actor.id))
    if reasons:
        raise AssignmentRefused(" ".join(reasons))
    db.session.add_all(made)
    db.session.flush()
    for assignment in made:
        audit.record(actor, "review.assigned", assignment, application_id=assignment.application_id,
                     reviewer_id=assignment.reviewer_id)
    notify.new_assignments(review_round, now=now)
    return made


def assign(review_round: ReviewRound, application: Application, reviewer: User, *, actor,
           now: datetime) -> Assignment:
    """Assign one reviewer to one application by hand.

    :raises AssignmentRefused: not in the round or the pool, a conflict, the reviewer's maximum, a duplicate
    """
    return assign_pairs(review_round, [(application, reviewer)], actor=actor, now=now)[0]


def unassign(assignment: Assignment, *, actor, discard_draft: bool = False) -> None:
    """Take a reviewer off an application. A draft review is discarded only when confirmed.

    :raises AssignmentRefused: the review is submitted, or is a draft and `discard_draft` is False
    """
    require(actor, "manage", assignment)
    who = assignment.reviewer.display_name
    if assignment.status == ReviewStatus.submitted:
        raise AssignmentRefused(f"{who} has submitted this review; a submitted review cannot be unassigned.")
    if assignment.status == ReviewStatus.draft and not discard_draft:
        raise AssignmentRefused(f"{who} has a draft review of this application. Confirm that the draft "
                                "is to be discarded.")
    if not removal.claim(assignment, same_status=True):  # the reviewer saved or submitted meanwhile
        raise AssignmentRefused(f"{who} changed this review a moment ago. Look at it again before unassigning.")
    audit.record(actor, "review.unassigned", assignment.round, application_id=assignment.application_id,
                 reviewer_id=assignment.reviewer_id, reviewer=who,
                 application=assignment.application.school_name or f"Application {assignment.application_id}",
                 discarded_draft=assignment.status == ReviewStatus.draft)
    db.session.delete(assignment)
    db.session.flush()
