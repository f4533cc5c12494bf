"""Readiness checkpoints of a cohort: staff open a retake ("Month 3") for every active team at
once, each tied to the team by a `Checkpoint` row; the pages read each team's takes and growth.

Decisions (documented for the lead):

- **Intake is read, not written.** A team's Intake is the Checkpoint row labelled "Intake" if
  there is one; otherwise its application's earliest assessment not tied to another of its
  checkpoints and not named after a later checkpoint (the one the team took when it applied).
  Nothing is written when a page is viewed, and staff have nothing to remember to do; opening
  "Intake" for a team that already has such an assessment is refused with its name.
- **An existing retake with the checkpoint's name is tied, not duplicated.** When a team's lead
  already opened a "Month 3" assessment on the readiness page, opening the checkpoint ties that
  one instead of asking the team to rate twice.
- **Each team on its own.** Opening a checkpoint for a cohort reports per team what happened
  (opened, tied, or why not) and keeps the ones that worked: a team whose previous assessment is
  still open must not hold back the others. `readiness.services.open_assessment` checks
  everything before it writes, so a refused team leaves nothing behind.
- **Composite** of one take: the mean of the readiness summary's domain composites (the team's
  completed member answers; staff ratings are not counted). Growth: the latest rated take's
  composite minus the first's.
"""
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core import audit
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.incubation.models import Checkpoint, Cohort, CohortTeam
from incubator.incubation.states import CHECKPOINTS
from incubator.readiness import services as readiness
from incubator.readiness.models import Assessment, ReadinessDomain
from incubator.readiness.reports import Growth
from incubator.readiness.states import AssessmentStatus

NOT_TAKEN, OPEN, CLOSED = "not_taken", "open", "closed"


# ---- the numbers (pure) ---------------------------------------------------------------------------


def composite(summary: dict | None) -> float | None:
    """Mean of the domain composites of a readiness summary; None when no member's answers count."""
    if not (summary or {}).get("raters"):
        return None
    values = [cell[0] for cell in (summary.get("domains") or {}).values() if cell and cell[0] is not None]
    return fmean(values) if values else None


@dataclass
class Take:
    """One checkpoint of one team: its assessment (a plain row) or none yet."""

    label: str  # the checkpoint, e.g. "Month 3" (what charts and tables show)
    assessment: object | None = None  # row: id, label, status, summary, instrument_id, opened_at
    is_read_as_intake: bool = False  # the application's earliest assessment, not tied by a row

    @property
    def state(self) -> str:
        if self.assessment is None:
            return NOT_TAKEN
        return OPEN if self.assessment.status == AssessmentStatus.open else CLOSED

    @property
    def summary(self) -> dict | None:
        return self.assessment.summary if self.assessment is not None else None

    @property
    def raters(self) -> int:
        return (self.summary or {}).get("raters") or 0

    @property
    def composite(self) -> float | None:
        return composite(self.summary)


@dataclass
class TeamTakes:
    cohort_team_id: int
    takes: dict[str, Take] = field(default_factory=dict)  # by checkpoint label, in CHECKPOINTS order

    @property
    def taken(self) -> list[Take]:
        return [t for t in self.takes.values() if t.assessment is not None]

    @property
    def rated(self) -> list[Take]:
        return [t for t in self.takes.values() if t.composite is not None]

    @property
    def growth(self) -> float | None:
        """Latest rated composite minus the first; None with fewer than two rated checkpoints."""
        rated = self.rated
        return rated[-1].composite - rated[0].composite if len(rated) >= 2 else None

    @property
    def growth_span(self) -> str:
        rated = self.rated
        return f"{rated[0].label} to {rated[-1].label}" if len(rated) >= 2 else ""


# ---- reading --------------------------------------------------------------------------------------


def takes_for(cohort_teams: list[CohortTeam]) -> dict[int, TeamTakes]:
    """Every checkpoint of these teams, in one query whatever their number (plain rows)."""
    out = {ct.id: TeamTakes(ct.id, {label: Take(label) for label in CHECKPOINTS}) for ct in cohort_teams}
    if not cohort_teams:
        return out
    by_application: dict[int, list[int]] = {}
    for ct in cohort_teams:
        by_application.setdefault(ct.application_id, []).append(ct.id)
    rows = db.session.execute(
        sa.select(Assessment.id, Assessment.application_id, Assessment.label, Assessment.status,
                  Assessment.summary, Assessment.instrument_id, Assessment.opened_at,
                  Checkpoint.cohort_team_id, Checkpoint.label.label("checkpoint"))
        .outerjoin(Checkpoint, sa.and_(Checkpoint.assessment_id == Assessment.id,
                                       Checkpoint.cohort_team_id.in_(list(out))))
        .where(Assessment.application_id.in_(list(by_application)))
        .order_by(Assessment.opened_at, Assessment.id)).all()
    untied: dict[int, list] = {}
    for row in rows:
        if row.checkpoint is not None:
            take = out[row.cohort_team_id].takes.get(row.checkpoint)
            if take is None:  # a label no longer among CHECKPOINTS: kept, shown after them
                take = out[row.cohort_team_id].takes.setdefault(row.checkpoint, Take(row.checkpoint))
            take.assessment = row
        else:
            untied.setdefault(row.application_id, []).append(row)
    later = {label.lower() for label in CHECKPOINTS[1:]}
    for application_id, team_ids in by_application.items():
        for team_id in team_ids:
            intake = out[team_id].takes[CHECKPOINTS[0]]
            tied = {t.assessment.id for t in out[team_id].takes.values() if t.assessment is not None}
            earliest = next((r for r in untied.get(application_id, [])
                             if r.id not in tied and r.label.strip().lower() not in later), None)
            if intake.assessment is None and earliest is not None:
                intake.assessment, intake.is_read_as_intake = earliest, True
    return out


def growth_of(team_takes: TeamTakes) -> Growth:
    """readiness' Growth over the team's taken checkpoints, labelled by checkpoint."""
    taken = team_takes.taken
    if not taken:
        return Growth([], [])
    latest = taken[-1].assessment.instrument_id
    domains = db.session.execute(sa.select(ReadinessDomain.key, ReadinessDomain.title)
                                 .where(ReadinessDomain.instrument_id == latest)
                                 .order_by(ReadinessDomain.position)).all()
    # A Take has the `label` and `summary` Growth reads of an assessment.
    return Growth(taken, [(key, title) for key, title in domains])


# ---- opening a checkpoint for a cohort ------------------------------------------------------------


@dataclass
class Outcome:
    cohort_team: CohortTeam
    done: bool
    message: str
    assessment_id: int | None = None


def check_label(label) -> str:
    """:raises ValidationFailed: not one of CHECKPOINTS"""
    if not isinstance(label, str) or label not in CHECKPOINTS:
        raise ValidationFailed(f"Choose one of the checkpoints: {', '.join(CHECKPOINTS)}.")
    return label


def open_for_cohort(cohort: Cohort, label: str, *, actor: User, now: datetime) -> list[Outcome]:
    """Open (or tie) the `label` checkpoint for every active team of the cohort, team by team.

    Returns what happened to each team; the ones refused leave nothing behind. Flushes, never
    commits.

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: the label is not one of CHECKPOINTS
    """
    require(actor, "manage", cohort)
    label = check_label(label)
    teams = [ct for ct in cohort.teams if ct.is_active]
    takes = takes_for(teams)
    outcomes = []
    for cohort_team in teams:
        take = takes[cohort_team.id].takes[label]
        if take.assessment is not None:
            what = (f"its application's “{take.assessment.label}” assessment counts as {label}"
                    if take.is_read_as_intake else f"it already has its {label} assessment")
            outcomes.append(Outcome(cohort_team, False, f"Not opened: {what}.", take.assessment.id))
            continue
        tied = {t.assessment.id for t in takes[cohort_team.id].taken if not t.is_read_as_intake}
        same_name = next((r for r in _assessments_named(cohort_team.application_id, label) if r not in tied), None)
        if same_name is not None:
            _tie(cohort_team, label, same_name, actor=actor, tied_existing=True)
            outcomes.append(Outcome(cohort_team, True, f"Tied the team's own “{label}” assessment, already "
                                                       "opened on its readiness page.", same_name))
            continue
        try:
            assessment = readiness.open_assessment(cohort_team.application, label, actor=actor, now=now)
        except DomainError as error:
            outcomes.append(Outcome(cohort_team, False, f"Not opened: {error}"))
            continue
        _tie(cohort_team, label, assessment.id, actor=actor, tied_existing=False)
        outcomes.append(Outcome(cohort_team, True, "Opened: the team's members can now rate the team.",
                                assessment.id))
    return outcomes


def _assessments_named(application_id: int, label: str) -> list[int]:
    return list(db.session.scalars(
        sa.select(Assessment.id).where(Assessment.application_id == application_id,
                                       sa.func.lower(Assessment.label) == label.lower())
        .order_by(Assessment.opened_at, Assessment.id)))


def _tie(cohort_team: CohortTeam, label: str, assessment_id: int, *, actor: User, tied_existing: bool) -> None:
    db.session.add(Checkpoint(cohort_team_id=cohort_team.id, label=label, assessment_id=assessment_id))
    db.session.flush()
    audit.record(actor, "incubation.checkpoint.tied", cohort_team, label=label, assessment_id=assessment_id,
                 existing=tied_existing)
