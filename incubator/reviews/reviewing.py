"""A reviewer's review of one application: drafts (saved and autosaved, partial is fine),
submission (complete, while the round is open; then locked) and staff reopening it.

A save names the version of the review it was based on; a save based on an older version
(the same review open in another tab or on another device) is refused, so one never
silently overwrites the other. Saving a draft over a draft changes content, not state, and
is not audited (autosave runs every 20 seconds); every change of status is.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

import sqlalchemy as sa

from incubator.accounts.services import external_url
from incubator.core import audit
from incubator.core.errors import DomainError, InvalidTransition
from incubator.core.mail import queue_mail
from incubator.core.permissions import require
from incubator.core.timeutil import format_local
from incubator.extensions import db
from incubator.reviews import blind, scoring, states
from incubator.reviews.models import Assignment, Criterion, CriterionScore
from incubator.reviews.states import Recommendation, ReviewStatus

COMMENT_MAX = 4000
OVERALL_COMMENT_MAX = 10000
REASON_MAX = 1000
NA = "na"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class InvalidReview(DomainError):
    """What was sent cannot be saved; `errors` says each problem (nothing was saved)."""

    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors


class StaleReview(DomainError):
    def __init__(self):
        super().__init__("This review was changed in another tab or on another device since you opened it. "
                         "Reload the page to see the saved version; your own input was not saved.")


class ReviewLocked(DomainError):
    def __init__(self):
        super().__init__("This review is submitted and locked. Ask the program staff to reopen it "
                         "if you need to change it.")


class RoundNotOpen(DomainError):
    pass


@dataclass
class ReviewInput:
    """A review form, read and checked: per criterion a value, n/a or nothing, and a comment."""

    values: dict[int, int | None] = field(default_factory=dict)
    na: set[int] = field(default_factory=set)
    comments: dict[int, str] = field(default_factory=dict)
    overall_comment: str = ""
    recommendation: Recommendation | None = None


def _text(value, label: str, limit: int, errors: list[str]) -> str:
    if not isinstance(value, str):
        return ""
    value = value.replace("\r\n", "\n").strip()
    if _CONTROL.search(value):
        errors.append(f"{label} contains characters that are not allowed (control characters or direction overrides).")
        return ""
    if len(value) > limit:
        errors.append(f"{label} is at most {limit:,} characters (it has {len(value):,}).")
        return ""
    return value


def read_form(form: Mapping, criteria: list[Criterion]) -> tuple[ReviewInput, list[str]]:
    """The review in a posted form (`score-<id>`: a point or "na"; `comment-<id>`; `overall_comment`;
    `recommendation`), and a message for every value that is not acceptable. Fields of other
    rounds' criteria are ignored."""
    review, errors = ReviewInput(), []
    for criterion in criteria:
        raw = form.get(f"score-{criterion.id}", "")
        raw = raw.strip() if isinstance(raw, str) else ""
        if raw == "":
            review.values[criterion.id] = None
        elif raw == NA:
            if criterion.allows_na:
                review.values[criterion.id] = None
                review.na.add(criterion.id)
            else:
                errors.append(f"{criterion.title} cannot be marked n/a: give it a score from "
                              f"{criterion.scale_lo} to {criterion.scale_hi}.")
        elif (raw.isascii() and raw.isdigit() and len(raw) <= 3
              and criterion.scale_lo <= int(raw) <= criterion.scale_hi):
            review.values[criterion.id] = int(raw)
        else:
            errors.append(f"The score of {criterion.title} must be a whole number from {criterion.scale_lo} "
                          f"to {criterion.scale_hi}" + (" or n/a." if criterion.allows_na else "."))
        review.comments[criterion.id] = _text(form.get(f"comment-{criterion.id}", ""),
                                              f"The comment on {criterion.title}", COMMENT_MAX, errors)
    review.overall_comment = _text(form.get("overall_comment", ""), "The overall comment", OVERALL_COMMENT_MAX,
                                   errors)
    raw = form.get("recommendation", "")
    if isinstance(raw, str) and raw.strip():
        try:
            review.recommendation = Recommendation(raw.strip())
        except ValueError:
            errors.append("Choose a recommendation: yes, maybe or no.")
    return review, errors


def score_of(review: ReviewInput, criteria: list[Criterion]) -> float | None:
    """The review's score out of 100 (scoring.review_score) over the criteria scored so far."""
    return scoring.review_score([
        scoring.CriterionScore(weight=float(c.weight), lo=c.scale_lo, hi=c.scale_hi, value=review.values.get(c.id))
        for c in criteria if review.values.get(c.id) is not None])


def missing(review: ReviewInput, criteria: list[Criterion]) -> list[str]:
    """What a submission still needs, in words."""
    needed = [f"Score {c.title}" + (" (or mark it n/a)." if c.allows_na else ".")
              for c in criteria if review.values.get(c.id) is None and c.id not in review.na]
    if review.recommendation is None:
        needed.append("Choose a recommendation: yes, maybe or no.")
    return needed


def _parse_version(version) -> int:
    text = str(version if version is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise InvalidReview(["The form was incomplete. Reload the page and try again."])
    return int(text)


def _check_open(assignment: Assignment, now: datetime) -> None:
    review_round = assignment.round
    if now < review_round.opens_at:
        raise RoundNotOpen(f"{review_round.title} opens for scoring on "
                           f"{format_local(review_round.opens_at, review_round.timezone)}.")
    if now >= review_round.closes_at:
        closed = format_local(review_round.closes_at, review_round.timezone)
        raise RoundNotOpen(f"{review_round.title} closed on {closed}: reviews can no longer be saved or submitted.")


def _write(assignment: Assignment, review: ReviewInput, *, target: ReviewStatus, version: int, now: datetime,
           **values) -> ReviewStatus:
    """Compare-and-set the assignment to `target` with the review's content; returns the old status."""
    if assignment.status == ReviewStatus.submitted:
        raise ReviewLocked()
    previous = assignment.status
    states.check_review(previous, target)
    if version != assignment.version:
        raise StaleReview()
    criteria = assignment.round.criteria
    changed = db.session.execute(
        sa.update(Assignment)
        .where(Assignment.id == assignment.id, Assignment.version == version, Assignment.status == previous)
        .values(status=target, version=version + 1, overall_comment=review.overall_comment,
                recommendation=review.recommendation, score=score_of(review, criteria), updated_at=now, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise StaleReview()
    saved = {s.criterion_id: s for s in assignment.scores}
    for criterion in criteria:
        value, is_na = review.values.get(criterion.id), criterion.id in review.na
        comment = review.comments.get(criterion.id, "")
        row = saved.get(criterion.id)
        if value is None and not is_na and not comment:
            if row is not None:
                assignment.scores.remove(row)
            continue
        if row is None:
            row = CriterionScore(criterion_id=criterion.id)
            assignment.scores.append(row)
        row.value, row.is_na, row.comment = value, is_na, comment
    db.session.flush()
    return previous


def save_draft(assignment: Assignment, form_values: Mapping, *, actor, now: datetime, version) -> Assignment:
    """Keep what the reviewer has so far (any part of it) as a draft.

    :raises NotAllowed: the actor may not score this assignment
    :raises InvalidReview: a value is out of its scale, n/a where it is not allowed, or a comment too long
    :raises ReviewLocked: the review is submitted
    :raises RoundNotOpen: the round has not opened or has closed at `now`
    :raises StaleReview: the review was saved elsewhere since `version`
    """
    require(actor, "score", assignment)
    review, errors = read_form(form_values, assignment.round.criteria)
    if errors:
        raise InvalidReview(errors)
    version = _parse_version(version)
    if assignment.status == ReviewStatus.submitted:
        raise ReviewLocked()
    _check_open(assignment, now)
    previous = _write(assignment, review, target=ReviewStatus.draft, version=version, now=now)
    if previous != ReviewStatus.draft:
        audit.record(actor, "review.started", assignment, from_state=previous, to_state=ReviewStatus.draft)
    return assignment


def submit(assignment: Assignment, form_values: Mapping, *, actor, now: datetime, version) -> Assignment:
    """Save the complete review and lock it. `now` is when the request reached the portal.

    :raises InvalidReview: a value is not acceptable, or a criterion or the recommendation is missing
    :raises ReviewLocked, RoundNotOpen, StaleReview, NotAllowed: as for `save_draft`
    """
    require(actor, "score", assignment)
    criteria = assignment.round.criteria
    review, errors = read_form(form_values, criteria)
    if errors:
        raise InvalidReview(errors)
    needed = missing(review, criteria)
    if needed:
        raise InvalidReview(["To submit, the review still needs:", *needed])
    version = _parse_version(version)
    if assignment.status == ReviewStatus.submitted:
        raise ReviewLocked()
    _check_open(assignment, now)
    previous = _write(assignment, review, target=ReviewStatus.submitted, version=version, now=now, submitted_at=now)
    audit.record(actor, "review.submitted", assignment, from_state=previous, to_state=ReviewStatus.submitted,
                 score="n/a (every criterion)" if assignment.score is None else f"{assignment.score:.1f}",
                 recommendation=str(review.recommendation))
    return assignment


def reopen(assignment: Assignment, *, actor, reason: str, now: datetime) -> Assignment:
    """Staff turn a submitted review back into a draft; the reviewer is told by email.

    :raises NotAllowed: the actor is not the organization's staff
    :raises InvalidReview: no reason, or an unacceptable one
    :raises InvalidTransition: the review is not submitted
    :raises RoundNotOpen: the round has closed (the reviewer could not change the review)
    """
    require(actor, "reopen", assignment)
    errors: list[str] = []
    reason = _text(reason, "The reason", REASON_MAX, errors)
    if not errors and not reason:
        errors.append("Say why the review is reopened: the reviewer reads it in the email.")
    if errors:
        raise InvalidReview(errors)
    previous, version = assignment.status, assignment.version
    states.check_review(previous, ReviewStatus.draft)
    if previous != ReviewStatus.submitted:
        raise InvalidTransition("Only a submitted review can be reopened.")
    if now >= assignment.round.closes_at:
        raise RoundNotOpen(f"{assignment.round.title} has closed, so the reviewer could not change the review. "
                           "Move the round's closing time later first, then reopen it.")
    changed = db.session.execute(
        sa.update(Assignment).where(Assignment.id == assignment.id, Assignment.version == version,
                                    Assignment.status == previous)
        .values(status=ReviewStatus.draft, version=version + 1, submitted_at=None, updated_at=now)
        .execution_options(synchronize_session="evaluate")).rowcount
    if changed != 1:
        raise StaleReview()
    audit.record(actor, "review.reopened", assignment, from_state=previous, to_state=ReviewStatus.draft, reason=reason)
    review_round = assignment.round
    organisation = review_round.challenge.organisation
    queue_mail(assignment.reviewer.email, f"Your review is open again: {review_round.title}", "review_reopened",
               reply_to=getattr(organisation, "reply_to", None), reviewer=assignment.reviewer,
               review_round=review_round, label=blind.label_for(assignment), reason=reason,
               closes=format_local(review_round.closes_at, review_round.timezone),
               link=external_url("reviews.score", assignment_id=assignment.id))
    return assignment
