"""Who may see and do what in readiness (registered with core.permissions).

What a person sees of a team's assessments depends on who they are (`access`):

- "member": on the team: composites, the answers of teammates without names, their own in full;
- "staff": program staff of the organization (and admins), once the application is submitted:
  every answer set with names, and their own staff rating;
- "reviewer": a reviewer of the organization assigned to the application in a review round that
  is not blind, without a conflict of interest (reviews.permissions.reviewer_may_see_team), once
  the application is submitted: the team composite only.

Anyone else gets None, and the views answer 404.
"""
from incubator.accounts.models import Role
from incubator.applications.models import Application
from incubator.core.permissions import rule
from incubator.readiness.models import Assessment, Instrument, ReadinessDomain, ReadinessItem
from incubator.reviews.permissions import reviewer_may_see_team

MEMBER, STAFF, REVIEWER = "member", "staff", "reviewer"


def access(user, application: Application | None, team=None, organisation_id: int | None = None) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    team = team if team is not None else (application.team if application is not None else None)
    if team is not None and team.has_member(user):
        return MEMBER
    if application is None or application.submitted_at is None:
        return None
    organisation_id = organisation_id or application.challenge.organisation_id
    if user.is_admin or user.has_role(organisation_id, Role.program_staff):
        return STAFF
    if user.has_role(organisation_id, Role.reviewer):
        return REVIEWER if reviewer_may_see_team(user, application.id) else None
    return None


def assessment_access(user, assessment: Assessment) -> str | None:
    return access(user, assessment.application, assessment.team, assessment.organisation_id)


@rule(Assessment)
def assessment_rule(user, action: str, assessment: Assessment) -> bool:
    level = assessment_access(user, assessment)
    if action == "view":
        return level is not None
    if action in ("download", "see_answers"):  # the PDF and the individual answer sets
        return level in (MEMBER, STAFF)
    if action == "rate":
        return level == MEMBER and assessment.is_open
    if action == "close":
        lead = assessment.team.lead
        return level == MEMBER and assessment.is_open and lead is not None and lead.id == user.id
    if action == "staff_rate":
        return level == STAFF
    return False


def can_open_for(user, application: Application) -> bool:
    """The team's lead, or program staff of the organization once the application is submitted."""
    level = access(user, application)
    lead = application.team.lead
    return (level == MEMBER and lead is not None and lead.id == user.id) or level == STAFF


def staff_of(user, organisation_id: int) -> bool:
    return bool(user.is_admin or user.has_role(organisation_id, Role.program_staff))


@rule(Instrument)
def instrument_rule(user, action: str, instrument: Instrument) -> bool:
    return action in ("view", "manage") and staff_of(user, instrument.organisation_id)


@rule(ReadinessDomain)
def domain_rule(user, action: str, domain: ReadinessDomain) -> bool:
    return instrument_rule(user, action, domain.instrument)


@rule(ReadinessItem)
def item_rule(user, action: str, item: ReadinessItem) -> bool:
    return instrument_rule(user, action, item.domain.instrument)
