"""The end of a cohort: staff record an outcome per team (recommended to launch with the planned
opening year, continue incubating, or not recommended) with a rationale; the team is told; a
team recommended to launch gets a school record (once per place in a cohort).

Changing a launch recommendation to another outcome removes the school record while nothing
refers to it (staff confirm it first); once another record refers to it (the grants and
sustainability domains will), the school is kept and the page says so.

Services flush and let the caller commit; each change is audited.
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from incubator.core import audit
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.incubation import outcome_mail
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import TITLE_MAX, CohortTeam, Milestone, School
from incubator.incubation.states import IncubationOutcome, MilestoneStatus

RATIONALE_MAX = 5_000
YEARS_AHEAD = 10


class NeedsConfirmation(DomainError):
    """Recording this outcome removes the team's school record: staff confirm it first."""

    def __init__(self, school: School):
        super().__init__(f"Recording this outcome removes the school record \u201c{school.name}\u201d. "
                         "Check the box to confirm, or keep the launch recommendation.")
        self.school = school


@dataclass(frozen=True)
class MilestoneSummary:
    required: int
    required_approved: int
    total: int
    approved: int
    not_approved_required: list[Milestone] = field(default_factory=list)

    @property
    def all_required_approved(self) -> bool:
        return self.required_approved == self.required


@dataclass(frozen=True)
class Recorded:
    changed: bool
    school: School | None = None
    school_created: bool = False
    school_removed: bool = False
    school_kept_because: list[str] = field(default_factory=list)
    told: int = 0
    summary: MilestoneSummary | None = None


def milestone_summary(cohort_team: CohortTeam) -> MilestoneSummary:
    milestones = cohort_team.milestones
    required = [m for m in milestones if m.required_for_launch]
    missing = [m for m in required if MilestoneStatus(m.status) != MilestoneStatus.approved]
    return MilestoneSummary(required=len(required), required_approved=len(required) - len(missing),
                            total=len(milestones),
                            approved=sum(1 for m in milestones
                                         if MilestoneStatus(m.status) == MilestoneStatus.approved),
                            not_approved_required=missing)


def opening_years(now: datetime, tz_name: str | None) -> range:
    """The planned opening years staff may choose: this year (in the organisation's timezone) to ten after."""
    this_year = local(now, tz_name).year
    return range(this_year, this_year + YEARS_AHEAD + 1)


def school_of(cohort_team: CohortTeam) -> School | None:
    return db.session.scalar(sa.select(School).where(School.cohort_team_id == cohort_team.id))


def references_to(school: School) -> list[str]:
    """The tables whose rows refer to the school (any foreign key to schools.id, whichever domain
    added it): while one does, the school is not removed."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == School.__tablename__ and key.column.name == "id":
                count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                          .where(key.parent == school.id))
                if count:
                    found.append(table.name)
    return found


def check(outcome, rationale: str, opening_year, *, now: datetime, tz_name: str | None) -> list[str]:
    """What is wrong with the values (empty when they can be recorded)."""
    problems = []
    if outcome not in {o.value for o in IncubationOutcome}:
        problems.append("Choose one of the three outcomes.")
    if not isinstance(rationale, str) or not rationale.strip():
        problems.append("Give the rationale for the outcome.")
    elif len(rationale) > RATIONALE_MAX:
        problems.append(f"The rationale is at most {RATIONALE_MAX:,} characters (it has {len(rationale):,}).")
    elif has_control_characters(rationale.replace("\n", "").replace("\r", "").replace("\t", "")):
        problems.append("The rationale contains characters that are not allowed (control characters).")
    if outcome == IncubationOutcome.launch.value:
        years = opening_years(now, tz_name)
        if not isinstance(opening_year, int) or opening_year not in years:
            problems.append(f"Choose the planned opening year ({years[0]} to {years[-1]}).")
    return problems


def record_outcome(cohort_team: CohortTeam, outcome: str, *, rationale: str, opening_year: int | None, actor,
                   now: datetime, expected_version: int, confirm_remove_school: bool = False) -> Recorded:
    """Record (or change) the team's outcome, make, update or remove its school record, and tell
    every member of the team (in the organisation's wording, through core.digests).

    :raises ValidationFailed: the outcome, rationale or year cannot be recorded (every reason given)
    :raises ChangedMeanwhile: the team's place changed since the page was loaded (the caller rolls back)
    :raises NeedsConfirmation: the outcome removes the school record and that was not confirmed
    """
    tz_name = cohort_team.cohort.timezone
    rationale = (rationale or "").replace("\r\n", "\n").strip()
    problems = check(outcome, rationale, opening_year, now=now, tz_name=tz_name)
    if problems:
        raise ValidationFailed(" ".join(problems))
    outcome = IncubationOutcome(outcome)
    year = opening_year if outcome == IncubationOutcome.launch else None
    previous = IncubationOutcome(cohort_team.outcome) if cohort_team.outcome else None
    if cohort_team.version != expected_version:
        raise ChangedMeanwhile("team's outcome")
    if (previous, cohort_team.planned_opening_year, cohort_team.outcome_rationale) == (outcome, year, rationale):
        return Recorded(changed=False, school=school_of(cohort_team), summary=milestone_summary(cohort_team))

    school = school_of(cohort_team)
    removing = school is not None and outcome != IncubationOutcome.launch
    kept_because = references_to(school) if removing else []
    if removing and not kept_because and not confirm_remove_school:
        raise NeedsConfirmation(school)

    changed = db.session.execute(
        sa.update(CohortTeam).where(CohortTeam.id == cohort_team.id, CohortTeam.version == expected_version)
        .values(outcome=outcome, outcome_rationale=rationale, planned_opening_year=year, outcome_at=now,
                outcome_by_id=actor.id, version=expected_version + 1)
        .execution_options(synchronize_session="evaluate")).rowcount
    if changed != 1:
        raise ChangedMeanwhile("team's outcome")
    action = "incubation.outcome_recorded" if previous is None else "incubation.outcome_changed"
    audit.record(actor, action, cohort_team, from_state=previous, to_state=outcome,
                 **({"year": year} if year else {}))

    created = removed = False
    if outcome == IncubationOutcome.launch:
        school, created = _launch_school(cohort_team, year, actor=actor, now=now)
    elif removing and not kept_because:
        audit.record(actor, "incubation.school_removed", cohort_team, school=school.name)
        db.session.delete(school)
        school, removed = None, True
    db.session.flush()
    told = outcome_mail.tell_team(cohort_team, now=now)
    return Recorded(changed=True, school=school, school_created=created, school_removed=removed,
                    school_kept_because=kept_because, told=told, summary=milestone_summary(cohort_team))


def _launch_school(cohort_team: CohortTeam, year: int, *, actor, now: datetime) -> tuple[School, bool]:
    """The team's school record with `year`: made the first time, its year updated after."""
    school = school_of(cohort_team)
    if school is not None:
        if school.planned_opening_year != year:
            audit.record(actor, "incubation.school_updated", school, year=year,
                         previous_year=school.planned_opening_year)
            school.planned_opening_year = year
        return school, False
    application = cohort_team.application
    enrollment = application.target_enrollment
    school = School(organisation_id=cohort_team.cohort.organisation_id, team_id=cohort_team.team_id,
                    cohort_team_id=cohort_team.id, name=cohort_team.school_name[:TITLE_MAX],
                    grades=(application.grades or "")[:40], planned_opening_year=year,
                    target_enrollment=enrollment if enrollment and enrollment >= 1 else None,
                    created_at=now, created_by_id=actor.id)
    db.session.add(school)
    db.session.flush()
    audit.record(actor, "incubation.school_created", school, year=year)
    return school, True
