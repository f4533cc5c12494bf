"""An organisation's milestone template and the plans copied from it.

The template is made from the default (default_template.py) the first time an organisation
needs it; staff edit it after (template_views). Creating a cohort copies the template into each
team's own milestones with real due dates (`make_plan`); later edits to the template leave plans
already made alone.
"""
from datetime import date

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.default_template import DEFAULT_TEMPLATE
from incubator.incubation.models import CohortTeam, Milestone, TemplateMilestone


def template_of(organisation: Organisation) -> list[TemplateMilestone]:
    """The organisation's template in order, made from the default if it has none yet (flushes)."""
    items = list(db.session.scalars(sa.select(TemplateMilestone).where(
        TemplateMilestone.organisation_id == organisation.id)
        .order_by(TemplateMilestone.position, TemplateMilestone.id)))
    if items:
        return items
    for position, (title, guidance, evidence, offset, required, kind, sessions) in enumerate(DEFAULT_TEMPLATE, 1):
        item = TemplateMilestone(organisation_id=organisation.id, position=position, title=title, guidance=guidance,
                                 evidence_needed=evidence, due_offset_days=offset, required_for_launch=required,
                                 kind=kind, required_sessions=sessions)
        db.session.add(item)
        items.append(item)
    db.session.flush()
    return items


def make_plan(cohort_team: CohortTeam, items: list[TemplateMilestone], starts_on: date, tz_name: str) -> list[Milestone]:
    """Copy the template into the team's own milestones, due `offset` days after `starts_on`
    (a day in the organisation's timezone). Flushes."""
    made = []
    for position, item in enumerate(items, 1):
        day = schedule.due_on(starts_on, item.due_offset_days)
        milestone = Milestone(cohort_team=cohort_team, template_id=item.id, position=position, title=item.title,
                              guidance=item.guidance, evidence_needed=item.evidence_needed,
                              required_for_launch=item.required_for_launch, kind=item.kind,
                              required_sessions=item.required_sessions, due_on=day,
                              due_at=schedule.due_moment(day, tz_name))
        db.session.add(milestone)
        made.append(milestone)
    db.session.flush()
    return made
