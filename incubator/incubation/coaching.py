"""The coaching log of a team: the cohort's coaches log each session (date, length, topics,
agreed next steps); the team reads it and replies.

Logging a session tells every team member (through core.digests: now, or in their daily
digest); a reply from the team tells the session's coach. Each change is audited on the team's
place in the cohort and noted as the latest activity of the team's coaching milestone(s).
"""
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.services import external_url
from incubator.core import audit, digests, permissions
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.incubation import lifecycle, schedule
from incubator.incubation.models import CoachingReply, CoachingSession, CohortTeam
from incubator.incubation.permissions import on_team
from incubator.incubation.stakeholders import TeamNotActive, check_date, fingerprint, lock
from incubator.incubation.states import MilestoneKind

FIELDS = ("held_on", "duration_minutes", "topics", "next_steps")
REPLY_MAX = 5000


def fingerprint_of(coaching: CoachingSession) -> str:
    return fingerprint(getattr(coaching, name) for name in FIELDS)


def _check(values: dict, cohort_team: CohortTeam, now: datetime) -> dict:
    values = {name: values[name] for name in FIELDS}
    if not isinstance(values["duration_minutes"], int) or not 1 <= values["duration_minutes"] <= 1440:
        raise DomainError("A session lasts between 1 minute and 24 hours.")
    if not values["topics"]:
        raise DomainError("Write down the topics of the session.")
    check_date(cohort_team, values["held_on"], now)
    return values


def _require_active(cohort_team: CohortTeam) -> None:
    if not cohort_team.is_active:
        raise TeamNotActive()


def _touch(cohort_team: CohortTeam, activity: str, now: datetime) -> None:
    for milestone in cohort_team.milestones:
        if milestone.kind == MilestoneKind.coaching:
            lifecycle.touch(milestone, activity, now=now)


def _page_url(cohort_team: CohortTeam, coaching: CoachingSession) -> str:
    """The session on the team's coaching log, on the public address (a request or not: the demo seeder)."""
    if has_request_context():
        path = external_url("incubation.coaching", cohort_team_id=cohort_team.id)
    else:
        with current_app.test_request_context():
            path = external_url("incubation.coaching", cohort_team_id=cohort_team.id)
    return f"{path}#session-{coaching.id}"


def log_session(cohort_team: CohortTeam, *, coach, now: datetime, **values) -> CoachingSession:
    """Log a session the `coach` held with the team, and tell the team. Flushes.

    :raises NotAllowed: the person is not a coach of the cohort (nor staff)
    :raises TeamNotActive: the team has left the cohort
    :raises DateOutOfRange: the date is in the future or long before the cohort started
    """
    permissions.require(coach, "view", cohort_team)
    _require_active(cohort_team)
    permissions.require(coach, "coach", cohort_team)
    values = _check(values, cohort_team, now)
    coaching = CoachingSession(cohort_team=cohort_team, coach_id=coach.id, created_at=now, **values)
    db.session.add(coaching)
    db.session.flush()
    audit.record(coach, "incubation.coaching_logged", cohort_team, session=coaching.id,
                 held_on=coaching.held_on.isoformat(), minutes=coaching.duration_minutes)
    _touch(cohort_team, f"Coaching session logged ({coaching.duration_minutes} min)", now)
    organisation = cohort_team.cohort.organisation
    for member in cohort_team.team.members:
        person = member.user
        if person.id == coach.id or not person.is_active:
            continue
        digests.notify(person, f"{coach.display_name} logged your coaching session of {coaching.held_on:%-d %b %Y}",
                       "incubation_logs_session", kind="incubation_coaching_session",
                       reply_to=organisation.reply_to, now=now, person=person, coach=coach, coaching=coaching,
                       cohort_team=cohort_team, organisation=organisation, url=_page_url(cohort_team, coaching))
    return coaching


def edit_session(coaching: CoachingSession, *, actor, now: datetime, seen: str | None = None, **values) -> None:
    """Change a session (its own coach only); `seen` is the fingerprint of the version edited.

    :raises NotAllowed: the actor is not the session's coach (or no longer a coach of the cohort)
    :raises TeamNotActive, DateOutOfRange: as log_session
    :raises ChangedMeanwhile: the session changed since the actor loaded it
    """
    permissions.require(actor, "view", coaching)
    _require_active(coaching.cohort_team)
    permissions.require(actor, "edit", coaching)
    values = _check(values, coaching.cohort_team, now)
    lock(coaching, seen, fingerprint_of, "session")
    changed = sorted(name for name, value in values.items() if getattr(coaching, name) != value)
    if not changed:
        return
    for name, value in values.items():
        setattr(coaching, name, value)
    db.session.flush()
    audit.record(actor, "incubation.coaching_edited", coaching.cohort_team, session=coaching.id,
                 held_on=coaching.held_on.isoformat(), changed=changed)
    _touch(coaching.cohort_team, "Coaching session edited", now)


def delete_session(coaching: CoachingSession, *, actor, now: datetime) -> None:
    """Delete a session and its replies (its own coach only). :raises NotAllowed, TeamNotActive"""
    cohort_team = coaching.cohort_team
    permissions.require(actor, "view", coaching)
    _require_active(cohort_team)
    permissions.require(actor, "delete", coaching)
    audit.record(actor, "incubation.coaching_deleted", cohort_team, session=coaching.id,
                 held_on=coaching.held_on.isoformat(), minutes=coaching.duration_minutes,
                 replies=len(coaching.replies))
    _touch(cohort_team, "Coaching session deleted", now)
    db.session.delete(coaching)
    db.session.flush()


def reply(coaching: CoachingSession, *, actor, now: datetime, body: str) -> CoachingReply:
    """Add to a session's thread; a reply from the team tells the session's coach. Flushes.

    :raises NotAllowed: the actor may not see the session
    :raises TeamNotActive: the team has left the cohort (the log is read-only)
    """
    permissions.require(actor, "reply", coaching)
    cohort_team = coaching.cohort_team
    _require_active(cohort_team)
    body = (body or "").strip()
    if not body or len(body) > REPLY_MAX:
        raise DomainError(f"A reply has between 1 and {REPLY_MAX:,} characters.")
    answer = CoachingReply(coaching_session=coaching, author_id=actor.id, body=body, created_at=now)
    db.session.add(answer)
    db.session.flush()
    audit.record(actor, "incubation.coaching_replied", cohort_team, session=coaching.id, reply=answer.id)
    _touch(cohort_team, f"Reply to the coaching session of {coaching.held_on:%-d %b}", now)
    coach = coaching.coach
    if coach is not None and coach.id != actor.id and coach.is_active and on_team(actor, cohort_team):
        organisation = cohort_team.cohort.organisation
        digests.notify(coach, f"{actor.display_name} replied to your coaching notes for {cohort_team.school_name}",
                       "incubation_logs_reply", kind="incubation_coaching_reply", reply_to=organisation.reply_to,
                       now=now, coach=coach, author=actor, coaching=coaching, answer=answer,
                       cohort_team=cohort_team, organisation=organisation, url=_page_url(cohort_team, coaching))
    return answer


# ---- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    title: str
    logged: int
    needed: int | None

    @property
    def is_met(self) -> bool:
        return self.needed is not None and self.logged >= self.needed


@dataclass(frozen=True)
class Summary:
    sessions: int
    minutes: int
    hours: float
    milestones: list[Progress]
    latest: date | None = None  # the day of the last session


def summary_of(cohort_team: CohortTeam) -> Summary:
    """The team's coaching so far, and for each coaching milestone the sessions logged vs needed."""
    count, minutes, latest = db.session.execute(
        sa.select(sa.func.count(CoachingSession.id), sa.func.coalesce(sa.func.sum(CoachingSession.duration_minutes), 0),
                  sa.func.max(CoachingSession.held_on))
        .where(CoachingSession.cohort_team_id == cohort_team.id)).one()
    progress = [Progress(m.title, count, m.required_sessions) for m in cohort_team.milestones
                if m.kind == MilestoneKind.coaching]
    return Summary(sessions=count, minutes=int(minutes), hours=schedule.coaching_hours([int(minutes)]),
                   milestones=progress, latest=latest)


def sessions(cohort_team: CohortTeam) -> sa.Select:
    """The team's sessions, newest first, with their coach and replies (a select to paginate)."""
    return (sa.select(CoachingSession).where(CoachingSession.cohort_team_id == cohort_team.id)
            .options(joinedload(CoachingSession.coach),
                     selectinload(CoachingSession.replies).joinedload(CoachingReply.author))
            .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc()))
