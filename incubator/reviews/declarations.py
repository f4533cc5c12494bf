"""Declarations of conflict a reviewer makes before scoring.

- Per assignment, the first time they open it: "I have no conflict" (sets Assignment.declared_at)
  or "I have a conflict" with a note (conflict_services.declare).
- In a blind round, first, against the round's list of people and organizations: every team's
  name, every member's name and every non-public email domain, shuffled per reviewer and never
  linked to an application. Ticked entries are matched to teams here, on the server.

The scoring views call `require_declared(assignment)` first (or `next_step_url`): it sends the
reviewer to the step they still owe.
"""
import hashlib
import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import redirect, url_for
from flask_login import current_user

from incubator.accounts.models import User
from incubator.applications.models import Application, Team, TeamMember
from incubator.core import audit
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.extensions import db
from incubator.reviews import conflict_services, conflicts, entry
from incubator.reviews.models import Assignment, Conflict, ReviewRound, RoundReviewer
from incubator.reviews.states import ConflictSource

def scoring_url(assignment: Assignment) -> str:
    return url_for("reviews.score", assignment_id=assignment.id)


def queue_url() -> str:
    return url_for("reviews.reviewer_queue")


def pool_entry(review_round: ReviewRound, user) -> RoundReviewer | None:
    return db.session.scalar(sa.select(RoundReviewer).where(RoundReviewer.round_id == review_round.id,
                                                            RoundReviewer.user_id == user.id))


def needs_round_list(review_round: ReviewRound, user) -> bool:
    if not review_round.is_blind:
        return False
    row = pool_entry(review_round, user)
    return row is not None and row.list_declared_at is None


def next_step_url(assignment: Assignment, user) -> str | None:
    """Where `user` must go before scoring `assignment`: the blind round's list, then this
    assignment's declaration; None when they may score (or are not its reviewer, e.g. staff)."""
    if assignment.reviewer_id != getattr(user, "id", None):
        return None
    if needs_round_list(assignment.round, user):
        return url_for("reviews.round_declare", round_id=assignment.round_id, next_assignment=assignment.id)
    if assignment.declared_at is None:
        return url_for("reviews.assignment_declare", assignment_id=assignment.id)
    return None


def require_declared(assignment: Assignment):
    """For views of an assignment: a redirect to the declaration the current user still owes, or None."""
    url = next_step_url(assignment, current_user)
    return redirect(url) if url else None


def confirm_no_conflict(assignment: Assignment, *, actor, now: datetime) -> bool:
    """The reviewer confirms they have no conflict. False if they had confirmed already.

    :raises NotAllowed: the actor is not the assigned reviewer
    :raises ValidationFailed: a blind round's list is still to declare
    """
    if assignment.reviewer_id != getattr(actor, "id", None):
        raise NotAllowed("Only the assigned reviewer declares their conflicts.")
    if needs_round_list(assignment.round, actor):
        raise ValidationFailed("First go through the round's list of people and organizations.")
    updated = db.session.execute(sa.update(Assignment).where(Assignment.id == assignment.id,
                                                             Assignment.declared_at.is_(None))
                                 .values(declared_at=now)).rowcount
    db.session.refresh(assignment)
    if updated:
        audit.record(actor, "review.no_conflict_declared", assignment)
    return bool(updated)


# ---- a blind round's list ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListEntry:
    token: str   # the checkbox's value: opaque, per reviewer, says nothing of any application
    kind: str    # "person" or "organization"
    label: str


def _round_keys(review_round: ReviewRound) -> dict[tuple[str, str], tuple[str, set[int]]]:
    """(kind, normalised key) -> (label shown, the applications it names)."""
    entrants = entry.entrants_query(review_round).with_only_columns(Application.id).subquery()
    rows = db.session.execute(
        sa.select(Application.id, Team.name, User.name, User.email)
        .join(Team, Team.id == Application.team_id).join(TeamMember, TeamMember.team_id == Team.id)
        .join(User, User.id == TeamMember.user_id).where(Application.id.in_(sa.select(entrants.c.id))))
    keys: dict[tuple[str, str], tuple[str, set[int]]] = {}

    def add(kind, label, application_id):
        label = " ".join((label or "").split())
        if label:
            keys.setdefault((kind, label.casefold()), (label, set()))[1].add(application_id)

    for application_id, team_name, name, email in rows:
        add("organization", team_name, application_id)
        add("person", name, application_id)
        domain = conflicts.email_domain(email or "")
        if domain and not conflicts.is_public_domain(domain):
            add("organization", domain, application_id)
    return keys


def _token(review_round: ReviewRound, user, kind: str, key: str) -> str:
    return hashlib.sha256(f"{review_round.id}:{user.id}:{kind}:{key}".encode()).hexdigest()[:24]


def round_list(review_round: ReviewRound, user) -> list[ListEntry]:
    """The round's people and organizations for `user`: sorted, then shuffled with a seed of the
    round and the reviewer, so the order is stable for them and says nothing of the applications."""
    entries = sorted((ListEntry(_token(review_round, user, kind, key), kind, label)
                      for (kind, key), (label, _) in _round_keys(review_round).items()),
                     key=lambda e: (e.label.casefold(), e.kind))
    seed = int.from_bytes(hashlib.sha256(f"round-list:{review_round.id}:{user.id}".encode()).digest()[:8], "big")
    random.Random(seed).shuffle(entries)
    return entries


def declare_round_list(review_round: ReviewRound, tokens: list[str], *, actor, now: datetime) -> int:
    """The reviewer ticks the people and organizations they know; each ticked entry becomes a
    conflict with every application whose team it names (a pair with a stored conflict, even a
    lifted one, is left as staff left it). Returns how many conflicts were added.

    :raises NotAllowed: the actor is not in the round's pool
    """
    row = pool_entry(review_round, actor)
    if row is None:
        raise NotAllowed("Only a reviewer of this round declares against its list.")
    wanted = set(tokens)
    keys = _round_keys(review_round)
    hits: dict[int, str] = {}
    for (kind, key), (label, application_ids) in sorted(keys.items()):
        if _token(review_round, actor, kind, key) in wanted:
            for application_id in sorted(application_ids):
                hits.setdefault(application_id, label)
    known = set(db.session.scalars(sa.select(Conflict.application_id).where(
        Conflict.reviewer_id == actor.id, Conflict.application_id.in_(list(hits)))))
    added = 0
    for application_id, label in sorted(hits.items()):
        if application_id in known:
            continue
        conflict = Conflict(application_id=application_id, reviewer_id=actor.id, source=ConflictSource.round_list,
                            note=f"Ticked \u201c{label}\u201d on the list of {review_round.title}.",
                            created_at=now, created_by_id=actor.id)
        db.session.add(conflict)
        db.session.flush()
        conflict_services.release(conflict, actor=actor)
        added += 1
    first = row.list_declared_at is None
    if first:
        row.list_declared_at = now
    db.session.flush()
    # Counts only: the trail must not link an entry to an application either.
    audit.record(actor, "review.round_list_declared", review_round, ticked=len(wanted & {
        _token(review_round, actor, kind, key) for kind, key in keys}), first=first)
    return added
