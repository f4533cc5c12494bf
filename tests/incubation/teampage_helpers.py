"""Helpers of the teampage tests: a challenge that uses readiness, assessments with made-up
summaries (the numbers the pages read), tied to a checkpoint or not."""
from datetime import timedelta

import sqlalchemy as sa

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import Checkpoint
from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument
from incubator.readiness.states import AssessmentStatus, Requirement


def use_readiness(world, requirement=Requirement.optional):
    instrument = db.session.scalar(sa.select(Instrument).filter_by(organisation_id=world.org.id, is_current=True))
    db.session.add(ChallengeReadiness(challenge_id=world.challenge.id, instrument_id=instrument.id,
                                      requirement=requirement))
    db.session.commit()
    return instrument


def summary(world, *composites, raters=2):
    """A readiness summary of the organisation's instrument: its first domains get these
    composites (None: nobody rated it), the others are not rated."""
    instrument = db.session.scalar(sa.select(Instrument).filter_by(organisation_id=world.org.id, is_current=True))
    values = list(composites) + [None] * (len(instrument.domains) - len(composites))
    return {"raters": raters, "staff": {},
            "domains": {d.key: [v, None if v is None else 0.5, 0 if v is None else raters]
                        for d, v in zip(instrument.domains, values)}}


def assessment(world, index, label, summary=None, *, days_ago=1, status=AssessmentStatus.closed,
               checkpoint=False, checkpoint_label=None):
    application = world.applications[index]
    instrument = db.session.scalar(sa.select(Instrument).filter_by(organisation_id=world.org.id, is_current=True))
    opened = utcnow() - timedelta(days=days_ago)
    row = Assessment(organisation_id=world.org.id, team_id=application.team_id, application_id=application.id,
                     instrument_id=instrument.id, label=label, status=status, opened_at=opened,
                     closed_at=opened + timedelta(hours=1) if status == AssessmentStatus.closed else None,
                     summary=summary)
    db.session.add(row)
    db.session.flush()
    if checkpoint:
        db.session.add(Checkpoint(cohort_team_id=world.teams[index].id, label=checkpoint_label or label,
                                  assessment_id=row.id))
    db.session.commit()
    return row
