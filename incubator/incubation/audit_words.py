"""How the incubation domain's audit events read (see incubator/core/audit_words.py)."""
import sqlalchemy as sa
from flask import url_for

from incubator.applications.models import Application, Team
from incubator.core.audit_words import Named, names, phrases, state_words
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortTeam, Milestone, School
from incubator.incubation.states import IncubationOutcome


@names("Cohort")
def _cohorts(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(Cohort.id, Cohort.name).where(Cohort.id.in_(ids)))
    return {i: Named(name, url_for("incubation.cohort", cohort_id=i)) for i, name in rows}


def _team_label(school: str, team: str) -> str:
    return f"{school} ({team})" if school and school != team else team


@names("CohortTeam")
def _cohort_teams(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(CohortTeam.id, Application.school_name, Team.name, Cohort.name)
        .join(Application, Application.id == CohortTeam.application_id).join(Team, Team.id == CohortTeam.team_id)
        .join(Cohort, Cohort.id == CohortTeam.cohort_id).where(CohortTeam.id.in_(ids)))
    return {i: Named(f"{_team_label(school, team)} in {cohort}", url_for("incubation.team", cohort_team_id=i))
            for i, school, team, cohort in rows}


@names("Milestone")
def _milestones(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(Milestone.id, Milestone.title, Application.school_name, Team.name)
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .join(Application, Application.id == CohortTeam.application_id).join(Team, Team.id == CohortTeam.team_id)
        .where(Milestone.id.in_(ids)))
    return {i: Named(f"\u201c{title}\u201d of {_team_label(school, team)}",
                     url_for("incubation.milestone", milestone_id=i)) for i, title, school, team in rows}


@names("School")
def _schools(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(School.id, School.name).where(School.id.in_(ids)))
    return {i: Named(name, url_for("incubation.school", school_id=i)) for i, name in rows}


# ---- the foundation: cohorts made, milestones moved (cohorts.py, lifecycle.py) ---------------------
phrases({
    "incubation.cohort_created": "{actor} made the cohort {object} with {details[teams]} team(s)",
    "incubation.team_added": "{actor} added {object}",
    "incubation.milestone.submitted": "{actor} submitted {object}",
    "incubation.milestone.resubmitted": "{actor} submitted {object} again",
    "incubation.milestone.approved": "{actor} approved {object}",
    "incubation.milestone.changes_requested": "{actor} asked for changes to {object}",
    "incubation.milestone.reopened": "{actor} reopened {object}",
})


# ---- teampage: readiness checkpoints tied to a team's place in a cohort (checkpoints.py) ----------
phrases({
    "incubation.checkpoint.tied": "{actor} tied the {details[label]} readiness checkpoint to {object}",
})


# ---- logs: the stakeholder input log and the coaching log (stakeholders.py, coaching.py) ----------
phrases({
    "incubation.stakeholder_added": "{actor} logged a session with {details[group]} ({details[held_on]}) for {object}",
    "incubation.stakeholder_edited": "{actor} edited the entry on {details[group]} ({details[held_on]}) of {object}",
    "incubation.stakeholder_deleted": "{actor} deleted the entry on {details[group]} ({details[held_on]}) of {object}",
    "incubation.coaching_logged": "{actor} logged a coaching session ({details[held_on]}, {details[minutes]} min) "
                                  "with {object}",
    "incubation.coaching_edited": "{actor} edited the coaching session of {details[held_on]} with {object}",
    "incubation.coaching_deleted": "{actor} deleted the coaching session of {details[held_on]} with {object}",
    "incubation.coaching_replied": "{actor} replied to a coaching session of {object}",
})


# ---- outcomes: outcomes recorded, school records made, updated, removed (outcomes.py) ----------------
state_words.update({o.value: o.label for o in IncubationOutcome})
phrases({
    "incubation.outcome_recorded": "{actor} recorded the outcome of {object}: {to}",
    "incubation.outcome_changed": "{actor} changed the outcome of {object} from {from} to {to}",
    "incubation.school_created": "{actor} made the school record {object} (opening {details[year]})",
    "incubation.school_updated": "{actor} moved the planned opening of {object} to {details[year]}",
    "incubation.school_removed": "{actor} removed the school record \u201c{details[school]}\u201d of {object}",
})


# ---- milestones: evidence handed in and removed (milestone_evidence.py) ----------------------------
phrases({
    "incubation.evidence_added": "{actor} added {details[what]} to {object}",
    "incubation.evidence_removed": "{actor} removed {details[what]} from {object}",
})


# ---- cohorts: settings, coaches, teams leaving and coming back, due dates, the template ----------
phrases({
    "incubation.cohort_updated": "{actor} changed the {details[what]} of {object}",
    "incubation.coach_added": "{actor} named {details[coach]} coach of {object}",
    "incubation.coach_removed": "{actor} removed {details[coach]} as coach of {object}",
    "incubation.team_left": "{actor} let {object} leave: {details[reason]}",
    "incubation.team_returned": "{actor} brought {object} back into the cohort",
    "incubation.dates_shifted": "{actor} moved {details[milestones]} due date(s) of {object} by {details[days]} day(s)",
    "incubation.due_date_set": "{actor} moved the due date of {object} from {details[due_on_was]} to {details[due_on]}",
    "incubation.template_item_added": "{actor} added \u201c{details[title]}\u201d to the milestone template",
    "incubation.template_item_updated": "{actor} changed \u201c{details[title]}\u201d of the milestone template",
    "incubation.template_item_deleted": "{actor} deleted \u201c{details[title]}\u201d from the milestone template",
    "incubation.template_item_moved": "{actor} moved \u201c{details[title]}\u201d {details[direction]} in the milestone template",
})
