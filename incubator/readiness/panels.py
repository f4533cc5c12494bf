"""Dashboard panels and navigation links of readiness (registered with core.dashboard), and its
item of the submission checklist (core.checklists)."""
import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import Role
from incubator.applications.models import Team, TeamMember
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider
from incubator.extensions import db
from incubator.readiness import checklist as _checklist  # noqa: F401  (registers the checklist item)
from incubator.readiness import listeners as _listeners  # noqa: F401  (new organizations get the default instrument)
from incubator.readiness.models import AnswerSet, Assessment
from incubator.readiness.states import AssessmentStatus


@provider
def my_assessments(user):
    """Open assessments of the person's teams, with where their own answers stand."""
    rows = db.session.execute(
        sa.select(Assessment, Team.name).join(Team, Team.id == Assessment.team_id)
        .join(TeamMember, sa.and_(TeamMember.team_id == Team.id, TeamMember.user_id == user.id))
        .where(Assessment.status == AssessmentStatus.open).order_by(Assessment.opened_at.desc()).limit(20)).all()
    if not rows:
        return None
    mine = {s.assessment_id: s for s in db.session.scalars(sa.select(AnswerSet).where(
        AnswerSet.user_id == user.id, AnswerSet.is_staff.is_(False),
        AnswerSet.assessment_id.in_([a.id for a, _ in rows])))}
    return Panel("Readiness assessments", "readiness/panel.html",
                 {"rows": [(a, name, mine.get(a.id)) for a, name in rows]}, order=15)


@nav_provider
def nav(user):
    if user is not None and (user.is_admin or user.organisations_with(Role.program_staff)):
        return [NavItem("Readiness instruments", url_for("readiness.instruments_list"))]
    return []
