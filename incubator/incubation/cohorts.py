"""Cohorts: program staff make one from the selected applications of a `new_school` challenge,
name its coaches, rename it or change its length, add a team later (a waitlisted team selected
after), let one leave with a reason and bring it back.

Services flush and let the caller commit; each is audited.
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Role, User
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core import audit
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.extensions import db
from incubator.incubation import lifecycle, plans
from incubator.incubation.models import TEXT_MAX, TITLE_MAX, Cohort, CohortCoach, CohortTeam
from incubator.incubation.permissions import staff_of
from incubator.incubation.states import CohortTeamStatus

DEFAULT_LENGTH_MONTHS = 6
# How far from today a cohort may start (a typo like 2207 would put every date out of reach).
START_WINDOW = timedelta(days=5 * 366)
REASON_MAX = 2000


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
    _check_length(length_months)
    _check_start(starts_on, now)
    chosen = set(application_ids)
    if not chosen:
        raise ValidationFailed("Choose at least one selected team for the cohort.")
    _lock(chosen)
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


def _lock(application_ids: set[int]) -> None:
    """Hold the chosen applications' rows until commit (PostgreSQL), so of two staff putting the
    same team in a cohort at once the second sees the first's cohort and is refused."""
    db.session.execute(sa.select(Application.id).where(Application.id.in_(sorted(application_ids)))
                       .order_by(Application.id).with_for_update())


def _check_length(length_months) -> None:
    if isinstance(length_months, bool) or not isinstance(length_months, int) or not 1 <= length_months <= 36:
        raise ValidationFailed("A cohort lasts from 1 to 36 months (six by default).")


def _check_start(starts_on, now: datetime) -> None:
    if not isinstance(starts_on, date) or isinstance(starts_on, datetime):
        raise ValidationFailed("Give the cohort's start date.")
    today = now.date()
    if not today - START_WINDOW <= starts_on <= today + START_WINDOW:
        raise ValidationFailed("A cohort starts within five years of today. Check the year of the start date.")


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
    _lock({application.id})
    if application.id not in {a.id for a in candidates(cohort.challenge)}:
        raise ValidationFailed("Only the challenge's selected teams that are in no cohort yet can join one.")
    cohort_team = _join(cohort, application, plans.template_of(cohort.organisation), actor=actor, now=now)
    audit.record(actor, "incubation.team_added", cohort_team, cohort=cohort.name)
    return cohort_team


def update_cohort(cohort: Cohort, *, name: str, length_months: int, actor: User) -> list[str]:
    """Rename the cohort or change its length (the teams' due dates stay as they are).
    Returns the names of the fields that changed.

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: a bad name or length
    """
    _require_staff(actor, cohort)
    name = _clean_name(name)
    _check_length(length_months)
    before = {"name": cohort.name, "length_months": cohort.length_months}
    after = {"name": name, "length_months": length_months}
    changed = [field for field in before if before[field] != after[field]]
    if changed:
        cohort.name, cohort.length_months = name, length_months
        db.session.flush()
        words = {"name": "name", "length_months": "length"}
        audit.record(actor, "incubation.cohort_updated", cohort, fields=changed,
                     what=" and ".join(words[field] for field in changed),
                     **{f"{field}_was": before[field] for field in changed})
    return changed


def set_coaches(cohort: Cohort, coach_ids: list[int], *, actor: User, now: datetime) -> tuple[list[User], list[User]]:
    """Make the cohort's coaches exactly `coach_ids`; each one added or removed is audited.
    Returns (added, removed).

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: a person who may not coach
    """
    _require_staff(actor, cohort)
    current = {c.user_id: c for c in cohort.coaches}
    wanted = set(coach_ids or [])
    # Someone named before who lost the role may still be removed, never added again.
    added = _coaches(cohort.organisation_id, sorted(wanted - set(current)))
    removed = [current[i] for i in sorted(set(current) - wanted)]
    for coach in added:
        cohort.coaches.append(CohortCoach(user=coach, added_at=now))
    for row in removed:
        cohort.coaches.remove(row)
    db.session.flush()
    for coach in added:
        audit.record(actor, "incubation.coach_added", cohort, coach=coach.display_name, coach_id=coach.id)
    for row in removed:
        audit.record(actor, "incubation.coach_removed", cohort, coach=row.user.display_name, coach_id=row.user_id)
    return added, [row.user for row in removed]


def clean_reason(reason: str | None) -> str:
    """:raises ValidationFailed: empty, too long or with control characters"""
    text = (reason or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("Say why the team leaves the cohort: staff will read it later.")
    if len(text) > REASON_MAX:
        raise ValidationFailed(f"The reason is at most {REASON_MAX:,} characters (it has {len(text):,}).")
    if has_control_characters(text.replace("\n", " ")):
        raise ValidationFailed("The reason contains characters that are not allowed "
                               "(control characters or direction overrides).")
    return text[:TEXT_MAX]


def leave(cohort_team: CohortTeam, reason: str, *, actor: User, now: datetime,
          expected_version: int | None = None) -> None:
    """The team leaves the cohort; it keeps its milestones (read-only for it) and can be brought back.

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: no reason, or a bad one
    :raises InvalidTransition: the team has left already
    :raises ChangedMeanwhile: someone changed the team's place since the page was loaded
    """
    _require_staff(actor, cohort_team.cohort)
    reason = clean_reason(reason)
    _check_version(cohort_team, expected_version)
    lifecycle.move_cohort_team(cohort_team, CohortTeamStatus.left, actor=actor, action="incubation.team_left",
                               details={"reason": reason}, left_at=now, left_reason=reason)


def bring_back(cohort_team: CohortTeam, *, actor: User, expected_version: int | None = None) -> None:
    """A team that left is in the cohort again, with the milestones it had.

    :raises NotAllowed, InvalidTransition, ChangedMeanwhile: as leave
    """
    _require_staff(actor, cohort_team.cohort)
    _check_version(cohort_team, expected_version)
    lifecycle.move_cohort_team(cohort_team, CohortTeamStatus.active, actor=actor,
                               action="incubation.team_returned", details={"left_reason": cohort_team.left_reason},
                               left_at=None, left_reason=None)


def _check_version(cohort_team: CohortTeam, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != cohort_team.version:
        raise lifecycle.ChangedMeanwhile("team's place in the cohort")


def _require_staff(actor: User, cohort: Cohort) -> None:
    if not staff_of(actor, cohort.organisation_id):
        raise NotAllowed("Only program staff can change a cohort.")
