"""Who may see and do what with schools and their reports (registered with core.permissions).

- Finance of the school's organisation (and admins) see every school of it, create and edit
  schools, name the people who report, import CSV files, verify or return reports, start a
  correction, change the settings. Finance pages need the second factor (as grants' do).
- Program staff of the organisation see the schools, their reports and the portfolio (read only).
- A school's reporters (the members of its team, and the people named for it) see that school
  only, edit its draft or returned reports, submit them, and ask for a correction of a verified one.
- Anyone else gets 404.
"""
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.applications.models import TeamMember
from incubator.core.permissions import rule
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport, SchoolInvitation, SchoolReporter
from incubator.sustainability.states import ReportStatus

FINANCE_ACTIONS = {"manage", "verify", "return", "correct_as_finance", "reporters"}
REPORTER_ACTIONS = {"report", "submit", "correct"}


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def finance_of(user, organisation_id: int) -> bool:
    return _active(user) and (user.is_admin or user.has_role(organisation_id, Role.finance))


def staff_of(user, organisation_id: int) -> bool:
    return _active(user) and (user.is_admin or user.has_role(organisation_id, Role.program_staff))


def sees_portfolio(user, organisation_id: int) -> bool:
    """Finance and program staff (and admins) see the organisation's schools and portfolio."""
    return finance_of(user, organisation_id) or staff_of(user, organisation_id)


def reports_for(user, school: School) -> bool:
    """The person reports for the school: a member of its team, or named for it."""
    if not _active(user):
        return False
    named = sa.select(SchoolReporter.id).where(SchoolReporter.school_id == school.id,
                                               SchoolReporter.user_id == user.id).exists()
    conditions = [named]
    if school.team_id is not None:
        conditions.append(sa.select(TeamMember.id).where(TeamMember.team_id == school.team_id,
                                                         TeamMember.user_id == user.id).exists())
    return bool(db.session.scalar(sa.select(sa.or_(*conditions))))


def reporting_school_ids(user):
    """SQL: the ids of the schools the user reports for (for lists and the nav)."""
    teams = sa.select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    return sa.union(sa.select(School.id).where(School.team_id.in_(teams)),
                    sa.select(SchoolReporter.school_id).where(SchoolReporter.user_id == user.id))


@rule(School)
def school_rule(user, action: str, school: School) -> bool:
    org = school.organisation_id
    if action == "view":
        return sees_portfolio(user, org) or reports_for(user, school)
    if action == "view_outcome":  # incubation's record of the outcome: staff's notes, not the team's
        return sees_portfolio(user, org)
    if action in FINANCE_ACTIONS:
        return finance_of(user, org)
    if action in REPORTER_ACTIONS:
        return reports_for(user, school)
    return False


@rule(AnnualReport)
def report_rule(user, action: str, report: AnnualReport) -> bool:
    school = report.school
    org = school.organisation_id
    status = ReportStatus(report.status)
    if action == "view":
        return sees_portfolio(user, org) or reports_for(user, school)
    if action in ("edit", "submit"):
        return status.editable and reports_for(user, school)
    if action in ("verify", "return"):
        return status is ReportStatus.submitted and finance_of(user, org)
    if action == "correct":
        return status is ReportStatus.verified and (finance_of(user, org) or reports_for(user, school))
    return False


@rule(SchoolReporter)
def reporter_rule(user, action: str, reporter: SchoolReporter) -> bool:
    return finance_of(user, reporter.school.organisation_id)


@rule(SchoolInvitation)
def invitation_rule(user, action: str, invitation: SchoolInvitation) -> bool:
    return finance_of(user, invitation.school.organisation_id)
