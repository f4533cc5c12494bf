"""The readiness item of an application's submission checklist (registered with core.checklists)."""
import sqlalchemy as sa

from incubator.core.checklists import contributor
from incubator.extensions import db
from incubator.readiness.models import Assessment, ChallengeReadiness
from incubator.readiness.states import AssessmentStatus, Requirement


@contributor
def readiness_assessment(application) -> list[str]:
    settings = db.session.get(ChallengeReadiness, application.challenge_id)
    if settings is None or settings.requirement != Requirement.required or application.id is None:
        return []
    closed = db.session.scalar(sa.select(sa.exists().where(
        Assessment.application_id == application.id, Assessment.status == AssessmentStatus.closed)))
    return [] if closed else ["Readiness assessment (every member rates the team, then the lead closes it)"]
