"""Schools (schools area): finance creates and edits a school, names the people who report for
it (an existing account directly, anyone else by an emailed invitation), removes them, revokes
invitations; the invited person accepts.

Services take an explicit actor, flush and never commit; the caller commits.
"""
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from incubator.accounts.models import Organisation, Role, User
from incubator.accounts.services import external_url, find_user, normalise_email
from incubator.applications.models import Application, TeamMember
from incubator.applications.states import Status as ApplicationStatus
from incubator.challenges.models import Challenge, Track
from incubator.core import audit, tokens
from incubator.core.errors import DomainError, InvalidTransition, NotAllowed
from incubator.core.invitations import InvitationStatus
from incubator.core.mail import queue_mail
from incubator.core.permissions import require
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport, SchoolInvitation, SchoolReporter
from incubator.sustainability.permissions import finance_of
from incubator.sustainability.states import ReportStatus, SchoolSource

YEARS = (1, 2, 3, 4)
OPENING_YEAR_MIN, OPENING_YEAR_MAX = 2000, 2100
# The applications a transition school may come from: the coalition selected them.
TRANSITION_STATUSES = (ApplicationStatus.selected,)


class FieldError(DomainError):
    """A refusal that belongs to one field of the form."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# ---- who and where ------------------------------------------------------------------------------


def finance_organisations(user) -> list[Organisation]:
    """The organisations where the person is finance (every one for an admin), by name."""
    query = sa.select(Organisation).order_by(Organisation.name, Organisation.id)
    if not user.is_admin:
        ids = user.organisations_with(Role.finance)
        if not ids:
            return []
        query = query.where(Organisation.id.in_(ids))
    return list(db.session.scalars(query))


def reporting_schools(user) -> list[School]:
    """The schools the person reports for, by name, with their organisation."""
    from incubator.sustainability.permissions import reporting_school_ids

    return list(db.session.scalars(
        sa.select(School).where(School.id.in_(reporting_school_ids(user)))
        .options(selectinload(School.organisation)).order_by(School.name, School.id)))


def report_statuses(school_ids: list[int]) -> dict[int, dict[int, AnnualReport]]:
    """For each school and year, the report that reads as the year's status: the open revision
    (a correction under way) if there is one, else the latest verified one. One query."""
    found: dict[int, dict[int, AnnualReport]] = {i: {} for i in school_ids}
    if not school_ids:
        return found
    rows = db.session.scalars(sa.select(AnnualReport).where(AnnualReport.school_id.in_(school_ids))
                              .order_by(AnnualReport.school_id, AnnualReport.year, AnnualReport.revision))
    for report in rows:
        found[report.school_id][report.year] = report  # the highest revision wins
    return found


def has_verified_report(school: School) -> bool:
    return bool(db.session.scalar(sa.select(sa.exists().where(AnnualReport.school_id == school.id,
                                                               AnnualReport.status == ReportStatus.verified))))


# ---- schools ------------------------------------------------------------------------------------


def transition_candidates(organisation_id: int) -> list[Application]:
    """The organisation's selected applications to a school-transition challenge that have no
    school yet (oldest first), with their challenge and team."""
    has_school = sa.select(School.id).where(School.application_id == Application.id).exists()
    return list(db.session.scalars(
        sa.select(Application).join(Challenge, Challenge.id == Application.challenge_id)
        .where(Challenge.organisation_id == organisation_id, Challenge.track == Track.school_transition,
               Application.status.in_(TRANSITION_STATUSES), ~has_school)
        .options(selectinload(Application.challenge), selectinload(Application.team))
        .order_by(Application.submitted_at, Application.id)))


def _check_opening_year(year: int | None) -> None:
    if year is None or not OPENING_YEAR_MIN <= year <= OPENING_YEAR_MAX:
        raise FieldError("opening_year", f"Enter the year the school opens, between {OPENING_YEAR_MIN} and "
                                         f"{OPENING_YEAR_MAX}.")


def _clean(name: str, grades: str) -> tuple[str, str]:
    name, grades = (name or "").strip(), (grades or "").strip()
    if not name:
        raise FieldError("name", "Give the school a name.")
    return name, grades


def create_school(organisation: Organisation, *, name: str, grades: str, opening_year: int,
                  target_enrollment: int | None, application_id: int | None = None, actor: User) -> School:
    """A school created by finance, directly or from a school-transition application (then its
    team reports for it).

    :raises NotAllowed: the actor is not finance of the organisation
    :raises FieldError: a blank name, an opening year out of range, an application that is not
        a selected school-transition application of the organisation without a school
    """
    if not finance_of(actor, organisation.id):
        raise NotAllowed("Only finance of the organisation can add a school.")
    name, grades = _clean(name, grades)
    _check_opening_year(opening_year)
    application = None
    if application_id is not None:
        application = next((a for a in transition_candidates(organisation.id) if a.id == application_id), None)
        if application is None:
            raise FieldError("application_id", "Choose a selected school-transition application that has no "
                                               "school yet.")
    school = School(organisation_id=organisation.id, name=name, grades=grades, planned_opening_year=opening_year,
                    target_enrollment=target_enrollment, created_by_id=actor.id,
                    source=SchoolSource.transition if application else SchoolSource.direct,
                    application_id=application.id if application else None,
                    team_id=application.team_id if application else None)
    db.session.add(school)
    db.session.flush()
    audit.record(actor, "sustainability.school.created", school, to_state=school.source, name=school.name,
                 opening_year=opening_year, application_id=school.application_id)
    return school


def edit_school(school: School, *, name: str, grades: str, opening_year: int, target_enrollment: int | None,
                actor: User) -> dict:
    """Change a school's record; returns the changes ({field: [before, after]}).

    :raises NotAllowed: the actor is not finance of the school's organisation
    :raises FieldError: as create_school; or the opening year changes once a report is verified
        (the verified years were counted from it)
    """
    require(actor, "manage", school)
    name, grades = _clean(name, grades)
    _check_opening_year(opening_year)
    if opening_year != school.planned_opening_year and has_verified_report(school):
        raise FieldError("opening_year", f"The opening year stays {school.planned_opening_year}: the school has a "
                                         "verified report, and its years are counted from it. Correct the "
                                         "reports first if the year was wrong.")
    changes = {}
    for field, value in (("name", name), ("grades", grades), ("planned_opening_year", opening_year),
                         ("target_enrollment", target_enrollment)):
        if getattr(school, field) != value:
            changes[field] = [getattr(school, field), value]
            setattr(school, field, value)
    if changes:
        db.session.flush()
        audit.record(actor, "sustainability.school.edited", school, changes=changes)
    return changes


# ---- reporters ----------------------------------------------------------------------------------


@dataclass
class Reporters:
    team_members: list[TeamMember]
    named: list[SchoolReporter]
    invitations: list[SchoolInvitation]


def reporters_of(school: School) -> Reporters:
    members = []
    if school.team_id is not None:
        members = list(db.session.scalars(
            sa.select(TeamMember).where(TeamMember.team_id == school.team_id)
            .options(selectinload(TeamMember.user)).order_by(TeamMember.joined_at, TeamMember.id)))
    named = list(db.session.scalars(
        sa.select(SchoolReporter).where(SchoolReporter.school_id == school.id)
        .options(selectinload(SchoolReporter.user)).order_by(SchoolReporter.added_at, SchoolReporter.id)))
    invitations = list(db.session.scalars(
        sa.select(SchoolInvitation).where(SchoolInvitation.school_id == school.id,
                                          SchoolInvitation.pending_clause(utcnow()))
        .order_by(SchoolInvitation.created_at, SchoolInvitation.id)))
    return Reporters(members, named, invitations)


def _reply_to(school: School) -> str | None:
    return school.organisation.reply_to if school.organisation else None


def invite_reporter(school: School, *, email: str, actor: User) -> SchoolReporter | SchoolInvitation:
    """Name a person to report for the school. An account with that (confirmed) address is added
    at once and told by mail; any other address gets an emailed invitation link. (An unconfirmed
    account is invited too: anyone can register any address, and only the mailbox proves it.)

    :raises NotAllowed: the actor is not finance of the school's organisation
    :raises FieldError: the person already reports for the school or has a pending invitation
    """
    require(actor, "reporters", school)
    email = normalise_email(email)
    if not email:
        raise FieldError("email", "Enter an email address.")
    now = utcnow()
    current = reporters_of(school)
    if any(m.user.email == email for m in current.team_members):
        raise FieldError("email", f"{email} is on the school's team {school.team.name}, and already reports for it.")
    if any(r.user.email == email for r in current.named):
        raise FieldError("email", f"{email} already reports for {school.name}.")
    if any(i.email == email for i in current.invitations):
        raise FieldError("email", f"{email} already has a pending invitation. Revoke it to send a new one.")
    user = find_user(email)
    if user is not None and user.is_confirmed and user.is_active:
        reporter = SchoolReporter(school_id=school.id, user_id=user.id, added_by_id=actor.id, added_at=now)
        db.session.add(reporter)
        db.session.flush()
        audit.record(actor, "sustainability.reporter.added", reporter, school_id=school.id, email=email)
        # The school's name is typed by finance, but keep free text out of the subject anyway.
        queue_mail(email, "You now report for a school on Incubator", "sustainability_reporter_added",
                   reply_to=_reply_to(school), school=school, actor=actor,
                   school_url=external_url("sustainability.index"))
        return reporter
    token = tokens.random_token()
    invitation = SchoolInvitation(school_id=school.id, email=email, token_hash=tokens.hash_token(token),
                                  invited_by_id=actor.id, created_at=now,
                                  expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]))
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "sustainability.invitation.sent", invitation, to_state=InvitationStatus.pending,
                 school_id=school.id, email=email)
    queue_mail(email, "You are invited to report for a school on Incubator", "sustainability_invitation",
               reply_to=_reply_to(school), school=school, actor=actor,
               accept_url=external_url("sustainability.invitation", token=token))
    return invitation


def remove_reporter(reporter: SchoolReporter, *, actor: User) -> None:
    """:raises NotAllowed: the actor is not finance of the school's organisation"""
    require(actor, "reporters", reporter.school)
    school, email = reporter.school, reporter.user.email
    audit.record(actor, "sustainability.reporter.removed", school, email=email, user_id=reporter.user_id)
    db.session.delete(reporter)
    db.session.flush()


def revoke_invitation(invitation: SchoolInvitation, *, actor: User) -> None:
    """:raises DomainError: the invitation is not pending"""
    require(actor, "reporters", invitation.school)
    try:
        previous = invitation.revoke(utcnow())
    except InvalidTransition as error:
        raise DomainError(str(error)) from None
    audit.record(actor, "sustainability.invitation.revoked", invitation, from_state=previous,
                 to_state=InvitationStatus.revoked, school_id=invitation.school_id, email=invitation.email)


def find_invitation(token: str) -> SchoolInvitation | None:
    return SchoolInvitation.find_by_token(token)


def accept_invitation(invitation: SchoolInvitation, *, user: User) -> SchoolReporter:
    """Report for the school through an emailed link (only the invited address's account may).

    :raises DomainError: the invitation is for another address, or not pending any more
    """
    now = utcnow()
    try:
        previous = invitation.accept(user, now)
    except NotAllowed as error:
        raise DomainError(str(error)) from None
    except InvalidTransition as error:
        raise DomainError(f"{error} Ask the school's finance team for a new one.") from None
    reporter = db.session.scalar(sa.select(SchoolReporter).filter_by(school_id=invitation.school_id, user_id=user.id))
    if reporter is None:
        reporter = SchoolReporter(school_id=invitation.school_id, user_id=user.id,
                                  added_by_id=invitation.invited_by_id, added_at=now)
        db.session.add(reporter)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now  # the link reached this mailbox
    db.session.flush()
    audit.record(user, "sustainability.invitation.accepted", invitation, from_state=previous,
                 to_state=InvitationStatus.accepted, school_id=invitation.school_id)
    return reporter
