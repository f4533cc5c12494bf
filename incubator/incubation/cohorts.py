"""Cohorts: program staff make one from the selected applications of a `new_school` challenge,
name its coaches, add a team later (a waitlisted team selected after) or let one leave.

Services flush and let the caller commit; each is audited.
"""
from datetime import date, datetime

import sqlalchemy as sa

from incubator.accounts.models import Role, User
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core import audit
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.extensions import db
from incubator.incubation import plans
from incubator.incubation.models import TITLE_MAX, Cohort, CohortCoach, CohortTeam
from incubator.incubation.permissions import staff_of

DEFAULT_LENGTH_MONTHS = 6


def candidates(challenge: Challenge) -> list[Application]:
    """The challenge's selected applications not yet in any of its cohorts, by school name."""
    in_a_cohort = (sa.select(CohortTeam.id).join(Cohort, Cohort.id == CohortTeam.cohort_id)
                   .where(CohortTeam.application_id == Application.id, Cohort.challenge_id == challenge.id).exists())
    return list(db.session.scalars(sa.select(Application).where(
        Application.challenge_id == challenge.id, Application.status == Status.selected, ~in_a_cohort)
        .order_by(Application.school_name, Application.id)))


def possible_coaches(organisation_id: int) -> list[User]:
    """People of the organisation who may coach: coaches and program staff, by name."""
    from incubator.accounts.models import Membership

    return list(db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == organisation_id, Membership.role.in_([Role.coach, Role.program_staff]),
        User.is_deactivated.is_(False)).distinct().order_by(User.name, User.email)))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("Name the cohort, e.g. Spring 2027 cohort.")
    if len(name) > TITLE_MAX or has_control_characters(name):
        raise ValidationFailed(f"A cohort's name is at most {TITLE_MAX} characters of plain text.")
    return name


def create_cohort(challenge: Challenge, *, name: str, starts_on: date, length_months: int = DEFAULT_LENGTH_MONTHS,
                  application_ids: list[int], coach_ids: list[int], actor: User, now: datetime) -> Cohort:
    """A cohort of the chosen selected applications, each given a copy of the template.

    :raises NotAllowed: the actor is not program staff of the challenge's organisation
    :raises ValidationFailed: a bad name or length, no team, a team that is not selected (or is
        already in a cohort), a coach who may not coach
    :raises DomainError: the challenge is not a new-school challenge
    """
    organisation = challenge.organisation
    if not staff_of(actor, organisation.id):
        raise NotAllowed("Only program staff can make a cohort.")
    if challenge.track != Track.new_school:
        raise DomainError("Only a new-school challenge's teams go through incubation.")
    name = _clean_name(name)
    if not isinstance(length_months, int) or not 1 <= length_months <= 36:
        raise ValidationFailed("A cohort lasts from 1 to 36 months (six by default).")
    if not isinstance(starts_on, date):
        raise ValidationFailed("Give the cohort's start date.")
    chosen = set(application_ids)
    if not chosen:
        raise ValidationFailed("Choose at least one selected team for the cohort.")
    allowed = {a.id: a for a in candidates(challenge)}
    if not chosen <= set(allowed):
        raise ValidationFailed("Only the challenge's selected teams that are in no cohort yet can join one. "
                               "Reload the page to see who can.")
    coaches = _coaches(organisation.id, coach_ids)
    cohort = Cohort(organisation_id=organisation.id, challenge=challenge, name=name, starts_on=starts_on,
                    length_months=length_months, created_at=now, created_by_id=actor.id)
    db.session.add(cohort)
    cohort.coaches.extend(CohortCoach(user=coach, added_at=now) for coach in coaches)
    db.session.flush()
    items = plans.template_of(organisation)
    for application_id in sorted(chosen, key=lambda i: (allowed[i].school_name, i)):
        _join(cohort, allowed[application_id], items, actor=actor, now=now)
    audit.record(actor, "incubation.cohort_created", cohort, teams=len(chosen), coaches=len(coaches),
                 starts_on=starts_on.isoformat(), length_months=length_months)
    return cohort


def _coaches(organisation_id: int, coach_ids: list[int]) -> list[User]:
    wanted = set(coach_ids or [])
    allowed = {u.id: u for u in possible_coaches(organisation_id)}
    if not wanted <= set(allowed):
        raise ValidationFailed("A coach must be a coach or program staff of the organisation.")
    return [allowed[i] for i in sorted(wanted)]


def _join(cohort: Cohort, application: Application, items, *, actor: User, now: datetime) -> CohortTeam:
    cohort_team = CohortTeam(cohort=cohort, application=application, team_id=application.team_id, joined_at=now)
    db.session.add(cohort_team)
    db.session.flush()
    plans.make_plan(cohort_team, items, cohort.starts_on, cohort.timezone)
    return cohort_team


def add_team(cohort: Cohort, application: Application, *, actor: User, now: datetime) -> CohortTeam:
    """Add a selected team later (a waitlisted team selected after the cohort began): its plan is
    the template's, due from the cohort's start like everyone's (staff shift its dates after).

    :raises NotAllowed, ValidationFailed: as create_cohort
    """
    if not staff_of(actor, cohort.organisation_id):
        raise NotAllowed("Only program staff can add a team to a cohort.")
    if application.id not in {a.id for a in candidates(cohort.challenge)}:
        raise ValidationFailed("Only the challenge's selected teams that are in no cohort yet can join one.")
    cohort_team = _join(cohort, application, plans.template_of(cohort.organisation), actor=actor, now=now)
    audit.record(actor, "incubation.team_added", cohort_team, cohort=cohort.name)
    return cohort_team
