"""Assessment operations: configure a challenge, open an assessment, save and complete answers,
close, rate as staff. Each takes an explicit `actor`, flushes and never commits.

Status changes go through `_move_*`: the transition table, a compare-and-set on the row, and an
audit event with from and to.
"""
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.models import Application
from incubator.challenges.models import Challenge
from incubator.core import audit
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.jobs import enqueue_after_commit
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.readiness import scoring, states
from incubator.readiness.models import AnswerSet, Assessment, ChallengeReadiness, Instrument, Rating
from incubator.readiness.permissions import can_open_for, staff_of
from incubator.readiness.states import AnswerSetStatus, AssessmentStatus, Requirement

NOT_SURE = "not_sure"
SUGGESTED_LABELS = ("Intake", "Month 3", "Month 6")


class ChangedMeanwhile(DomainError):
    def __init__(self):
        super().__init__("Someone else changed this assessment a moment ago. Reload it to see where it stands.")


# ---- challenge settings -------------------------------------------------------------------------


def settings_for(challenge_id: int) -> ChallengeReadiness | None:
    return db.session.get(ChallengeReadiness, challenge_id)


def configure(challenge: Challenge, instrument: Instrument | None, requirement: Requirement, *, actor: User,
              now: datetime) -> ChallengeReadiness:
    """:raises NotAllowed: the actor is not program staff of the challenge's organization
    :raises ValidationFailed: no instrument chosen, or one of another organization or an old version"""
    require(actor, "manage", challenge)
    if requirement != Requirement.off:
        if instrument is None:
            raise ValidationFailed("Choose the instrument the teams take.")
        if instrument.organisation_id != challenge.organisation_id or not instrument.is_current:
            raise ValidationFailed("Choose a current instrument of the challenge's organization.")
    settings = settings_for(challenge.id)
    if settings is None:
        settings = ChallengeReadiness(challenge_id=challenge.id)
        db.session.add(settings)
    before = (settings.instrument_id, settings.requirement)
    settings.instrument_id = instrument.id if instrument is not None else settings.instrument_id
    settings.requirement, settings.updated_at, settings.updated_by_id = requirement, now, actor.id
    db.session.flush()
    if before != (settings.instrument_id, settings.requirement):
        audit.record(actor, "readiness.challenge.configured", challenge, requirement=requirement.value,
                     instrument_id=settings.instrument_id)
    return settings


# ---- assessments --------------------------------------------------------------------------------


def open_assessment(application: Application, label: str, *, actor: User, now: datetime) -> Assessment:
    """Open an assessment of the application's team on the challenge's current instrument.

    :raises NotAllowed: the actor is neither the team's lead nor program staff
    :raises DomainError: the challenge takes no assessment, or one is still open
    """
    if not can_open_for(actor, application):
        raise NotAllowed("Only the team's lead or program staff can open an assessment.")
    label = (label or "").strip()
    if not label or len(label) > 80:
        raise ValidationFailed("Name the assessment (at most 80 characters), e.g. Intake or Month 3.")
    settings = settings_for(application.challenge_id)
    if settings is None or settings.requirement == Requirement.off or settings.instrument is None:
        raise DomainError(f"{application.challenge.title} does not use a readiness assessment.")
    if not settings.instrument.items:
        raise DomainError("The instrument has no items yet.")
    still_open = db.session.scalar(sa.select(Assessment.label).where(
        Assessment.application_id == application.id, Assessment.status == AssessmentStatus.open))
    if still_open is not None:
        raise DomainError(f"The “{still_open}” assessment is still open; close it before opening another.")
    assessment = Assessment(organisation_id=application.challenge.organisation_id, team_id=application.team_id,
                            application=application, instrument_id=settings.instrument_id, label=label,
                            opened_at=now, opened_by_id=actor.id, summary=None)
    db.session.add(assessment)
    db.session.flush()
    audit.record(actor, "readiness.assessment.opened", assessment, to_state=AssessmentStatus.open, label=label,
                 instrument_id=settings.instrument_id)
    return assessment


def answer_set_of(assessment: Assessment, user: User, *, is_staff: bool = False) -> AnswerSet | None:
    return next((s for s in assessment.answer_sets if s.user_id == user.id and s.is_staff == is_staff), None)


def _move_answer_set(answer_set: AnswerSet, target: AnswerSetStatus, *, actor: User, now: datetime) -> None:
    assessment = answer_set.assessment
    previous = answer_set.status
    # A staff rating stays the staff's to change after the team closes its assessment.
    states.check_answer_set(previous, target,
                            assessment=AssessmentStatus.open if answer_set.is_staff else assessment.status)
    changed = db.session.execute(
        sa.update(AnswerSet).where(AnswerSet.id == answer_set.id, AnswerSet.status == previous)
        .values(status=target, completed_at=now if target == AnswerSetStatus.completed else None)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    answer_set.status = target
    answer_set.completed_at = now if target == AnswerSetStatus.completed else None
    action = "readiness.answers.completed" if target == AnswerSetStatus.completed else "readiness.answers.reopened"
    audit.record(actor, action, answer_set, from_state=previous, to_state=target, assessment_id=assessment.id,
                 is_staff=answer_set.is_staff)


def parse_value(raw, item) -> int | None | str:
    """A submitted rating: 1-4, NOT_SURE (only where the item allows it) or None (left empty).

    :raises ValidationFailed: anything else
    """
    if raw in (None, ""):
        return None
    if raw == NOT_SURE and item.allows_not_sure:
        return NOT_SURE
    if isinstance(raw, str) and raw in ("1", "2", "3", "4"):
        return int(raw)
    raise ValidationFailed(f"Choose a level from 1 to 4 for “{item.prompt[:80]}”.")


def save_answers(assessment: Assessment, values: dict, notes: dict, *, complete: bool, actor: User, now: datetime,
                 is_staff: bool = False) -> AnswerSet:
    """Save one person's ratings; `complete` marks them complete (all items rated or "not sure"),
    otherwise they are (again) in progress and private.

    `values` maps item id -> 1-4, NOT_SURE or None; `notes` maps domain id -> text.

    :raises NotAllowed: not a member of an open assessment (staff: not program staff)
    :raises ValidationFailed: an unknown item or domain, or completing with items left empty
    :raises InvalidTransition, ChangedMeanwhile: as the lifecycle says
    """
    require(actor, "staff_rate" if is_staff else "rate", assessment)
    items = {item.id: item for item in assessment.instrument.items}
    domains = {domain.id for domain in assessment.instrument.domains}
    if set(values) - set(items) or set(notes) - domains:
        raise ValidationFailed("Those answers are not for this assessment's items.")
    if complete:
        empty = [items[i].prompt for i in items if values.get(i) is None]
        if empty:
            raise ValidationFailed(f"Rate every item before marking your answers complete ({len(empty)} left, "
                                   f"starting with “{empty[0][:80]}”). You can save and come back.")
    answer_set = answer_set_of(assessment, actor, is_staff=is_staff)
    if answer_set is None:
        answer_set = AnswerSet(assessment=assessment, user_id=actor.id, is_staff=is_staff, notes={})
        db.session.add(answer_set)
        db.session.flush()
        audit.record(actor, "readiness.answers.started", answer_set, to_state=AnswerSetStatus.in_progress,
                     assessment_id=assessment.id, is_staff=is_staff)
    elif not is_staff and not assessment.is_open:
        raise NotAllowed("The assessment is closed: its answers can no longer change.")
    existing = {r.item_id: r for r in answer_set.ratings}
    for item_id in items:
        value = values.get(item_id)
        rating = existing.get(item_id)
        if rating is None:
            rating = Rating(item_id=item_id)
            answer_set.ratings.append(rating)
        rating.value = value if isinstance(value, int) else None
        rating.is_not_sure = value == NOT_SURE
    answer_set.notes = {str(k): v.strip()[:5000] for k, v in notes.items() if v and v.strip()}
    answer_set.updated_at = now
    db.session.flush()
    target = AnswerSetStatus.completed if complete else AnswerSetStatus.in_progress
    if answer_set.status != target:
        _move_answer_set(answer_set, target, actor=actor, now=now)
    refresh_summary(assessment)
    if not assessment.is_open:
        _remake_pdf(assessment)
    return answer_set


def close(assessment: Assessment, *, actor: User, now: datetime) -> None:
    """The lead closes the assessment, which freezes the members' answers; its PDF is made.

    :raises NotAllowed: the actor is not the team's lead
    :raises DomainError: no member has completed their answers yet
    :raises InvalidTransition, ChangedMeanwhile: already closed
    """
    if not assessment.is_open:
        states.check_assessment(assessment.status, AssessmentStatus.closed)
    require(actor, "close", assessment)
    if not any(s.is_completed and not s.is_staff for s in assessment.answer_sets):
        raise DomainError("No member has completed their answers yet: there is nothing to close.")
    previous = assessment.status
    states.check_assessment(previous, AssessmentStatus.closed)
    changed = db.session.execute(
        sa.update(Assessment).where(Assessment.id == assessment.id, Assessment.status == previous)
        .values(status=AssessmentStatus.closed, closed_at=now, closed_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    assessment.status, assessment.closed_at, assessment.closed_by_id = AssessmentStatus.closed, now, actor.id
    audit.record(actor, "readiness.assessment.closed", assessment, from_state=previous,
                 to_state=AssessmentStatus.closed)
    refresh_summary(assessment)
    _remake_pdf(assessment)


def _remake_pdf(assessment: Assessment) -> None:
    assessment.revision = (assessment.revision or 1) + 1
    db.session.flush()
    enqueue_after_commit("incubator.readiness.jobs.render_assessment_pdf", assessment.id, queue_name="pdf")


# ---- the numbers --------------------------------------------------------------------------------


def domain_items(assessment: Assessment) -> dict:
    return {domain: [item.id for item in domain.items] for domain in assessment.instrument.domains}


def rater_scores(answer_sets: list[AnswerSet], assessment: Assessment) -> list[dict]:
    domains = domain_items(assessment)
    return [scoring.domain_scores(s.values(), domains) for s in answer_sets]


def refresh_summary(assessment: Assessment) -> None:
    """Store the composites (completed member answers) and the staff composite per domain key."""
    members = [s for s in assessment.answer_sets if s.is_completed and not s.is_staff]
    staff = [s for s in assessment.answer_sets if s.is_completed and s.is_staff]
    domains = assessment.instrument.domains
    team = scoring.summarise(rater_scores(members, assessment), domains)
    staff_summary = scoring.summarise(rater_scores(staff, assessment), domains)
    assessment.summary = {
        "raters": len(members),
        "domains": {d.key: [team[d].composite, team[d].spread, team[d].raters] for d in domains},
        "staff": {d.key: staff_summary[d].composite for d in domains},
    }
    db.session.flush()


def is_staff_member(user: User, assessment: Assessment) -> bool:
    return staff_of(user, assessment.organisation_id)
