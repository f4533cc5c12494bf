"""Decisions of a round: staff advance, select, waitlist or decline an application, one at a
time or in a batch, each with a rationale; the application's status moves with it and the
team is told by mail (reviews/mail.py) once the transaction commits.

A round keeps one decision per application (changing it is allowed where the application's
lifecycle allows, e.g. waitlisted -> selected). The status moves by compare-and-set, so of two
staff deciding the same application at once exactly one wins and the other is told why.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from incubator.applications import lifecycle, states
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.challenges.models import Challenge
from incubator.core import audit
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews import mail
from incubator.reviews.entry import entrants_query
from incubator.reviews.models import Decision, ReviewRound
from incubator.reviews.ranking import ranked_application_ids
from incubator.reviews.states import Outcome

TARGETS = {Outcome.advance: Status.advanced, Outcome.select: Status.selected,
           Outcome.waitlist: Status.waitlisted, Outcome.decline: Status.declined}
RATIONALE_MAX = 5000
BATCH_MAX = 2000


class DecisionRefused(DomainError):
    """This decision cannot be made (the message says why)."""


class DecidedMeanwhile(DomainError):
    def __init__(self, status: Status | None):
        now = f": it is now {Status(status).label}" if status else ""
        super().__init__(f"Someone else decided this application a moment ago{now}. "
                         "Check where it stands before deciding again.")
        self.status = status


class OverSlots(DomainError):
    """Selecting would exceed the challenge's slots: staff must confirm."""

    def __init__(self, would: int, slots: int):
        super().__init__(f"This would select {would} team{'s' if would != 1 else ''}; "
                         f"the challenge has {slots} slot{'s' if slots != 1 else ''}.")
        self.would, self.slots = would, slots


class BatchRefused(DomainError):
    """One or more applications of a batch cannot be decided; nothing was saved."""

    def __init__(self, reasons: list[str]):
        super().__init__("Nothing was saved: " + " ".join(reasons))
        self.reasons = reasons


def next_round(review_round: ReviewRound) -> ReviewRound | None:
    return db.session.scalar(sa.select(ReviewRound).where(
        ReviewRound.challenge_id == review_round.challenge_id, ReviewRound.position > review_round.position)
        .order_by(ReviewRound.position, ReviewRound.id).limit(1))


def current_decision(review_round: ReviewRound, application: Application) -> Decision | None:
    return db.session.scalar(sa.select(Decision).where(Decision.round_id == review_round.id,
                                                       Decision.application_id == application.id))


def in_round(review_round: ReviewRound, application: Application) -> bool:
    query = entrants_query(review_round).where(Application.id == application.id).with_only_columns(Application.id)
    return db.session.scalar(query) is not None


def selected_count(challenge: Challenge) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.challenge_id == challenge.id, Application.status == Status.selected))


def check_slots(challenge: Challenge, adding: int) -> None:
    """:raises OverSlots: `adding` more selected teams would exceed the challenge's slots"""
    would = selected_count(challenge) + adding
    if adding and would > challenge.slots:
        raise OverSlots(would, challenge.slots)


def clean_rationale(rationale: str | None) -> str:
    """:raises ValidationFailed: empty, too long or with control characters"""
    text = (rationale or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("Give the rationale for the decision: staff will read it later, and the team "
                               "does when the organization's email includes it.")
    if len(text) > RATIONALE_MAX:
        raise ValidationFailed(f"The rationale is at most {RATIONALE_MAX:,} characters (it has {len(text):,}).")
    if has_control_characters(text.replace("\n", " ")):
        raise ValidationFailed("The rationale contains characters that are not allowed "
                               "(control characters or direction overrides).")
    return text


def _outcome(outcome) -> Outcome:
    try:
        return Outcome(outcome)
    except ValueError:
        raise ValidationFailed("Choose a decision: advance, select, waitlist or decline.") from None


def _refusal(application: Application, target: Status) -> str:
    status = application.status
    if status == Status.selected:
        return "It is selected already, and a selection is final."
    if status == Status.declined:
        return "It is declined already, and a decline is final."
    if status == Status.withdrawn:
        return "The team withdrew it."
    return f"An application that is {status.label.lower()} cannot become {target.label.lower()}."


def _status_now(application_id: int) -> Status | None:
    return db.session.scalar(sa.select(Application.status).where(Application.id == application_id)
                             .execution_options(populate_existing=True))


def _touch(application: Application) -> None:
    """Compare-and-set the version alone (a decision changed without a status move)."""
    changed = db.session.execute(
        sa.update(Application).where(Application.id == application.id, Application.status == application.status,
                                     Application.version == application.version)
        .values(version=application.version + 1).execution_options(synchronize_session="evaluate")).rowcount
    if changed != 1:
        raise DecidedMeanwhile(_status_now(application.id))


def decide(review_round: ReviewRound, application: Application, outcome, rationale: str, *, actor,
           now: datetime, shares_comments: bool = False, expected_status: Status | str | None = None,
           confirm_over_slots: bool = False, notify: bool = True) -> Decision:
    """Record the round's decision on `application`, move its status and queue the team's mail.

    Deciding again with the same outcome updates the rationale and sharing without a new mail.

    :raises NotAllowed: the actor is not program staff of the round's organisation
    :raises ValidationFailed: no (or a too long) rationale, or an unknown outcome
    :raises DecisionRefused: the application is not in the round; "advance" in the last round;
        the lifecycle does not allow the move (e.g. it is selected already)
    :raises OverSlots: selecting it would exceed the challenge's slots and `confirm_over_slots` is off
    :raises DecidedMeanwhile: its status is not `expected_status`, or someone else moved it since
        it was loaded (the caller rolls back)
    """
    require(actor, "manage", review_round)
    outcome = _outcome(outcome)
    rationale = clean_rationale(rationale)
    if application.challenge_id != review_round.challenge_id or not in_round(review_round, application):
        raise DecisionRefused(f"{application.school_name or 'This application'} is not in {review_round.title}.")
    if expected_status is not None and application.status != expected_status:
        raise DecidedMeanwhile(application.status)
    if outcome == Outcome.advance and next_round(review_round) is None:
        raise DecisionRefused(f"{review_round.title} is the last round of {review_round.challenge.title}: there is "
                              "no next round to advance to. Select, waitlist or decline, or add a round first.")
    target = TARGETS[outcome]
    decision = current_decision(review_round, application)
    unchanged = decision is not None and decision.outcome == outcome and application.status == target
    if unchanged:
        _touch(application)
        audit.record(actor, "review.decision_updated", decision, outcome=outcome.value,
                     shares_comments=bool(shares_comments))
        decision.rationale, decision.shares_comments = rationale, bool(shares_comments)
        decision.decided_at, decision.decided_by_id = now, actor.id
        db.session.flush()
        return decision
    if not states.can(application.status, target):
        raise DecisionRefused(_refusal(application, target))
    if outcome == Outcome.select and not confirm_over_slots:
        check_slots(review_round.challenge, 1)
    try:
        lifecycle.move(application, target, actor=actor, action="review.decided", now=now,
                       details={"round": review_round.title, "round_id": review_round.id, "outcome": outcome.value})
    except lifecycle.ChangedMeanwhile:
        raise DecidedMeanwhile(_status_now(application.id)) from None
    if decision is None:
        decision = Decision(round=review_round, application=application, outcome=outcome, rationale=rationale)
        db.session.add(decision)
    decision.outcome, decision.rationale, decision.shares_comments = outcome, rationale, bool(shares_comments)
    decision.decided_at, decision.decided_by_id, decision.notified_at = now, actor.id, None
    db.session.flush()
    if notify:
        mail.send_decision(decision, now=now)
    return decision


def decide_batch(review_round: ReviewRound, application_ids: list[int], outcome, rationale: str, *, actor,
                 now: datetime, shares_comments: bool = False, confirm_over_slots: bool = False) -> list[Decision]:
    """Decide every application of `application_ids` alike, or none of them.

    :raises NotAllowed: the actor is not program staff of the round's organisation
    :raises ValidationFailed: no applications, no rationale, an unknown outcome
    :raises OverSlots: selecting them would exceed the challenge's slots and `confirm_over_slots` is off
    :raises BatchRefused: one or more cannot be decided (each reason listed); the caller rolls back
    """
    require(actor, "manage", review_round)
    outcome = _outcome(outcome)
    rationale = clean_rationale(rationale)
    wanted = list(dict.fromkeys(application_ids))
    if not wanted:
        raise ValidationFailed("Choose at least one application (tick its row, or give a number for the top N).")
    if len(wanted) > BATCH_MAX:
        raise ValidationFailed(f"A batch is at most {BATCH_MAX:,} applications.")
    found = {a.id: a for a in batch_applications(review_round, wanted)}
    reasons = [f"Application #{i} is not in {review_round.title}." for i in wanted if i not in found]
    if reasons:
        raise BatchRefused(reasons)
    applications = [found[i] for i in wanted]
    if outcome == Outcome.select and not confirm_over_slots:
        check_slots(review_round.challenge, sum(1 for a in applications if a.status != Status.selected))
    decisions = []
    for application in applications:
        try:
            decisions.append(decide(review_round, application, outcome, rationale, actor=actor, now=now,
                                    shares_comments=shares_comments, confirm_over_slots=True))
        except DomainError as error:
            reasons.append(f"{application.school_name or f'Application #{application.id}'} "
                           f"({application.team.name}): {error}")
    if reasons:
        raise BatchRefused(reasons)
    return decisions


def batch_applications(review_round: ReviewRound, application_ids: list[int]) -> list[Application]:
    """The round's applications among `application_ids`, in the order given (others are left out)."""
    if not application_ids:
        return []
    found = {a.id: a for a in db.session.scalars(entrants_query(review_round).where(
        Application.id.in_(application_ids[:BATCH_MAX])))}
    return [found[i] for i in application_ids if i in found]


def slots_warning(review_round: ReviewRound, applications: list[Application], outcome) -> OverSlots | None:
    """The warning to show before selecting `applications` beyond the challenge's slots (None: within)."""
    if outcome != Outcome.select:
        return None
    try:
        check_slots(review_round.challenge, sum(1 for a in applications if a.status != Status.selected))
    except OverSlots as warning:
        return warning
    return None


def top_ids(review_round: ReviewRound, n: int) -> list[int]:
    """The `n` best applications of the round by normalised score (the ranking's own order)."""
    return ranked_application_ids(review_round, by="normalised")[:max(0, n)]


def round_decisions(review_round: ReviewRound) -> sa.Select:
    """SELECT of the round's decisions, latest first."""
    return (sa.select(Decision).where(Decision.round_id == review_round.id)
            .options(joinedload(Decision.application).joinedload(Application.team), joinedload(Decision.decided_by))
            .order_by(Decision.decided_at.desc(), Decision.id.desc()))
