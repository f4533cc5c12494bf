"""How the readiness domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.applications.models import Team
from incubator.core.audit_words import Named, names, phrases
from incubator.extensions import db
from incubator.readiness.models import AnswerSet, Assessment, Instrument

phrases({
    "readiness.instrument.created": "{actor} created the readiness instrument {object}",
    "readiness.instrument.versioned": "{actor} made a new version of the readiness instrument {object}",
    "readiness.instrument.renamed": "{actor} renamed the readiness instrument {object}",
    "readiness.domain.added": "{actor} added the domain \u201c{details[title]}\u201d to {object}",
    "readiness.domain.updated": "{actor} changed a domain of {object}",
    "readiness.domain.moved": "{actor} moved a domain of {object} {details[direction]}",
    "readiness.domain.removed": "{actor} removed the domain \u201c{details[title]}\u201d from {object}",
    "readiness.item.added": "{actor} added an item to {object}",
    "readiness.item.updated": "{actor} changed an item of {object}",
    "readiness.item.moved": "{actor} moved an item of {object} {details[direction]}",
    "readiness.item.removed": "{actor} removed an item from {object}",
    "readiness.challenge.configured": "{actor} set the readiness assessment of {object} to {details[requirement]}",
    "readiness.assessment.opened": "{actor} opened the readiness assessment {object}",
    "readiness.assessment.closed": "{actor} closed the readiness assessment {object}",
    "readiness.answers.started": "{actor} started rating in {object}",
    "readiness.answers.completed": "{actor} completed their ratings in {object}",
    "readiness.answers.reopened": "{actor} reopened their ratings in {object}",
})


@names("Instrument")
def _instruments(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Instrument.id, Instrument.name, Instrument.version).where(Instrument.id.in_(ids)))
    return {i: Named(f"{name} (version {version})", url_for("readiness.instrument", instrument_id=i))
            for i, name, version in rows}


@names("Assessment")
def _assessments(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Assessment.id, Assessment.label, Team.name)
                              .join(Team, Team.id == Assessment.team_id).where(Assessment.id.in_(ids)))
    return {i: Named(f"\u201c{label}\u201d of {team}", url_for("readiness.assessment", assessment_id=i))
            for i, label, team in rows}


@names("AnswerSet")
def _answer_sets(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(AnswerSet.id, Assessment.id, Assessment.label, Team.name)
                              .join(Assessment, Assessment.id == AnswerSet.assessment_id)
                              .join(Team, Team.id == Assessment.team_id).where(AnswerSet.id.in_(ids)))
    return {i: Named(f"\u201c{label}\u201d of {team}", url_for("readiness.assessment", assessment_id=assessment_id))
            for i, assessment_id, label, team in rows}
