"""Who may see and do what in incubation (registered with core.permissions).

- Program staff of the cohort's organisation (and admins) manage everything: the template,
  cohorts, teams' dates, milestone decisions, outcomes, exports.
- A coach is a person named on a cohort who holds the coach or program-staff role in its
  organisation: they see that cohort's teams, milestones and evidence, and write the coaching
  log. A coach of another cohort sees nothing of this one.
- A team member sees their own team's incubation (milestones, evidence, the logs) and hands in
  the team's work while the team is in the cohort.
- Anyone else gets 404.
"""
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.permissions import rule
from incubator.extensions import db
from incubator.incubation.models import (CoachingReply, CoachingSession, Cohort, CohortCoach, CohortTeam, Evidence,
                                         Milestone, MilestoneComment, StakeholderEntry, TemplateMilestone)
from incubator.incubation.states import MilestoneStatus


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def staff_of(user, organisation_id: int) -> bool:
    return _active(user) and (user.is_admin or user.has_role(organisation_id, Role.program_staff))


def coach_of(user, cohort: Cohort) -> bool:
    """Named on the cohort as a coach, and still coach or program staff of its organisation."""
    if not _active(user) or not user.has_role(cohort.organisation_id, Role.coach, Role.program_staff):
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(CohortCoach).where(
        CohortCoach.cohort_id == cohort.id, CohortCoach.user_id == user.id)) > 0


def on_team(user, cohort_team: CohortTeam) -> bool:
    return _active(user) and cohort_team.team.has_member(user)


@rule(TemplateMilestone)
def template_rule(user, action: str, item: TemplateMilestone) -> bool:
    return staff_of(user, item.organisation_id)


@rule(Cohort)
def cohort_rule(user, action: str, cohort: Cohort) -> bool:
    if staff_of(user, cohort.organisation_id):
        return True
    if action == "view":  # the cohort page and grid, read-only
        return coach_of(user, cohort)
    return False


@rule(CohortTeam)
def cohort_team_rule(user, action: str, cohort_team: CohortTeam) -> bool:
    cohort = cohort_team.cohort
    if staff_of(user, cohort.organisation_id):
        return action != "hand_in" or on_team(user, cohort_team)
    if action == "view":
        return on_team(user, cohort_team) or coach_of(user, cohort)
    if action == "hand_in":  # the team's own work: evidence, stakeholder entries, submitting
        return on_team(user, cohort_team) and cohort_team.is_active
    if action == "coach":  # write the coaching log
        return coach_of(user, cohort) and cohort_team.is_active
    return False


@rule(Milestone)
def milestone_rule(user, action: str, milestone: Milestone) -> bool:
    cohort_team = milestone.cohort_team
    if action == "view":
        return cohort_team_rule(user, "view", cohort_team)
    if action in ("hand_in", "submit"):
        return (cohort_team_rule(user, "hand_in", cohort_team)
                and MilestoneStatus(milestone.status).is_open)
    if action in ("decide", "reopen", "shift"):
        return staff_of(user, cohort_team.cohort.organisation_id)
    return False


@rule(Evidence)
def evidence_rule(user, action: str, evidence: Evidence) -> bool:
    if action == "delete":
        return milestone_rule(user, "hand_in", evidence.milestone)
    return milestone_rule(user, "view", evidence.milestone)


@rule(MilestoneComment)
def comment_rule(user, action: str, comment: MilestoneComment) -> bool:
    return action == "view" and milestone_rule(user, "view", comment.milestone)


@rule(StakeholderEntry)
def stakeholder_rule(user, action: str, entry: StakeholderEntry) -> bool:
    if action in ("edit", "delete"):
        return cohort_team_rule(user, "hand_in", entry.cohort_team)
    return cohort_team_rule(user, "view", entry.cohort_team)


@rule(CoachingSession)
def coaching_rule(user, action: str, coaching: CoachingSession) -> bool:
    cohort_team = coaching.cohort_team
    if action == "view":
        return cohort_team_rule(user, "view", cohort_team)
    if action == "reply":  # the team answers; the coaches and staff carry on the thread
        return cohort_team_rule(user, "view", cohort_team)
    if action in ("edit", "delete"):  # the coach who wrote it
        return coaching.coach_id == getattr(user, "id", None) and cohort_team_rule(user, "coach", cohort_team)
    return False


@rule(CoachingReply)
def reply_rule(user, action: str, reply: CoachingReply) -> bool:
    return action == "view" and coaching_rule(user, "view", reply.coaching_session)

# A School's rule is sustainability.permissions.school_rule (the domain that completes the model).
