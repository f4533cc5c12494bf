"""What staff and reviewers do to conflicts: add, lift, restore, declare; and what follows from a
new conflict (its reviewer loses the pair's assignments that hold no submitted review).

A conflict belongs to an application and a reviewer, for every round of the challenge. Services
flush and never commit; they raise DomainError subclasses with a message a person understands.
"""
from datetime import datetime

import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.core import audit
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews import conflicts, entry, removal
from incubator.reviews.models import Assignment, Conflict, ReviewRound
from incubator.reviews.states import ConflictSource, ReviewStatus

NOTE_MAX = 2000


class AlreadyConflicted(DomainError):
    pass


def clean_note(note: str | None, *, required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationFailed("Say in a few words what ties you to this team.")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"A note is at most {NOTE_MAX:,} characters.")
    return note


def pair_conflict(application_id: int, reviewer_id: int) -> Conflict | None:
    return db.session.scalar(sa.select(Conflict).where(Conflict.application_id == application_id,
                                                       Conflict.reviewer_id == reviewer_id))


def release(conflict: Conflict, *, actor) -> int:
    """Delete the assignments of `conflict`'s pair, in every round of the application's challenge,
    that hold no submitted review (a submitted one stays for the record; the conflict hides it
    from the reviewer). Returns how many went."""
    doomed = list(db.session.scalars(
        sa.select(Assignment).join(ReviewRound, ReviewRound.id == Assignment.round_id).where(
            Assignment.application_id == conflict.application_id, Assignment.reviewer_id == conflict.reviewer_id,
            ReviewRound.challenge_id == conflict.application.challenge_id,
            Assignment.status != ReviewStatus.submitted)))
    rounds = {a.id: a.round.title for a in doomed}
    doomed = removal.delete_unsubmitted(doomed)  # a review submitted meanwhile stays (hidden by the conflict)
    if doomed:
        audit.record(actor, "review.assignments_released", conflict,
                     rounds=sorted({rounds[a.id] for a in doomed}), count=len(doomed))
    return len(doomed)


def release_conflicted(review_round: ReviewRound, *, actor=None, reviewer_id: int | None = None) -> int:
    """Release the assignments of every active conflict among `review_round`'s assignments (of one
    reviewer, if given), after `conflicts.detect` found new ones. Returns how many assignments went."""
    query = (
        sa.select(Conflict).join(Assignment, sa.and_(Assignment.application_id == Conflict.application_id,
                                                     Assignment.reviewer_id == Conflict.reviewer_id))
        .where(Assignment.round_id == review_round.id, Conflict.lifted_at.is_(None),
               Assignment.status != ReviewStatus.submitted).distinct())
    if reviewer_id is not None:
        query = query.where(Conflict.reviewer_id == reviewer_id)
    return sum(release(conflict, actor=actor) for conflict in list(db.session.scalars(query)))


def _activate(application, reviewer, *, source: ConflictSource, note: str, actor, now: datetime,
              action: str) -> Conflict:
    conflict = pair_conflict(application.id, reviewer.id)
    if conflict is not None and conflict.is_active:
        raise AlreadyConflicted(f"{reviewer.display_name} already has a conflict with this application.")
    if conflict is None:
        conflict = Conflict(application=application, reviewer=reviewer, source=source, note=note, created_at=now,
                            created_by_id=getattr(actor, "id", None))
        db.session.add(conflict)
        db.session.flush()
        audit.record(actor, action, conflict, source=source.value)
    else:  # a lifted conflict comes back, with who brought it back and why (compare-and-set: once)
        restored = db.session.execute(
            sa.update(Conflict).where(Conflict.id == conflict.id, Conflict.lifted_at.is_not(None))
            .values(source=source, note=note or conflict.note, created_at=now, created_by_id=getattr(actor, "id", None),
                    lifted_at=None, lifted_by_id=None).execution_options(synchronize_session=False)).rowcount
        db.session.refresh(conflict)
        if not restored:
            raise AlreadyConflicted(f"{reviewer.display_name} already has a conflict with this application "
                                    "(someone restored it a moment ago).")
        audit.record(actor, action, conflict, from_state="lifted", to_state="active", source=source.value)
    release(conflict, actor=actor)
    return conflict


def add(review_round: ReviewRound, application_id: int, reviewer_id: int, note: str, *, actor,
        now: datetime) -> Conflict:
    """Staff record a conflict between one of the round's applications and a reviewer of its pool
    (a lifted one is restored). The pair's unsubmitted assignments in the challenge are deleted.

    :raises NotAllowed: the actor does not manage the round
    :raises ValidationFailed: the application is not in the round, or the reviewer not in its pool
    :raises AlreadyConflicted: the pair has an active conflict
    """
    require(actor, "manage", review_round)
    note = clean_note(note)
    application = db.session.scalar(entry.entrants_query(review_round).where(
        Application.id == application_id)) if 0 < application_id < 2**31 else None
    if application is None:
        raise ValidationFailed("Choose one of this round's applications.")
    pool = {rr.user_id: rr.user for rr in review_round.reviewers}
    if reviewer_id not in pool:
        raise ValidationFailed("Choose a reviewer of this round's pool.")
    return _activate(application, pool[reviewer_id], source=ConflictSource.staff, note=note, actor=actor, now=now,
                     action="review.conflict_added")


def lift(conflict: Conflict, *, actor, now: datetime) -> None:
    """Staff lift a conflict: the reviewer may be assigned again; detection never re-creates it.

    :raises NotAllowed: the actor is not staff of the application's organization
    :raises ValidationFailed: it is lifted already
    """
    require(actor, "manage", conflict)
    if not conflict.is_active:
        raise ValidationFailed("This conflict was lifted already.")
    updated = db.session.execute(sa.update(Conflict).where(Conflict.id == conflict.id, Conflict.lifted_at.is_(None))
                                 .values(lifted_at=now, lifted_by_id=actor.id)).rowcount
    if not updated:
        raise ValidationFailed("Someone lifted this conflict a moment ago.")
    db.session.refresh(conflict)
    audit.record(actor, "review.conflict_lifted", conflict, from_state="active", to_state="lifted")


def restore(conflict: Conflict, *, actor, now: datetime) -> None:
    """Staff put a lifted conflict back (its pair's unsubmitted assignments go again).

    :raises ValidationFailed: it is active already
    """
    require(actor, "manage", conflict)
    if conflict.is_active:
        raise ValidationFailed("This conflict is active already.")
    _activate(conflict.application, conflict.reviewer, source=conflict.source, note=conflict.note, actor=actor,
              now=now, action="review.conflict_restored")


def detect_round(review_round: ReviewRound, *, actor, now: datetime) -> tuple[int, int]:
    """Run automatic detection for the round's entrants x pool; release what it finds.
    Returns (conflicts added, assignments released)."""
    require(actor, "manage", review_round)
    added = conflicts.detect(entry.entrants(review_round), [rr.user for rr in review_round.reviewers], now=now)
    released = release_conflicted(review_round, actor=actor)
    audit.record(actor, "review.conflicts_detected", review_round, count=added, released=released)
    return added, released


def declare(assignment: Assignment, note: str, *, actor, now: datetime) -> Conflict:
    """The assigned reviewer declares a conflict with the application on the declaration page
    (a lifted conflict comes back: the reviewer knows best). The assignment goes unless it holds a
    submitted review; either way the reviewer loses access to the application.

    :raises NotAllowed: the actor is not the assigned reviewer
    :raises ValidationFailed: no note, or a note too long
    """
    if assignment.reviewer_id != getattr(actor, "id", None):
        raise NotAllowed("Only the assigned reviewer declares their conflicts.")
    note = clean_note(note, required=True)
    return _activate(assignment.application, assignment.reviewer, source=ConflictSource.declared, note=note,
                     actor=actor, now=now, action="review.conflict_declared")
