"""What the pages and the PDF show of assessments: the team view of one assessment, growth over
a team's assessments, and the comparison of a challenge's teams. Read-only."""
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.applications.models import Application, Team
from incubator.core import charts
from incubator.extensions import db
from incubator.readiness import scoring
from incubator.readiness.models import AnswerSet, Assessment, ChallengeReadiness, Instrument, ReadinessDomain
from incubator.readiness.permissions import MEMBER, STAFF
from incubator.readiness.services import rater_scores

MIN_RATERS_FOR_TEAM = 2  # below this, a teammate's answers could be read off the composite


@dataclass
class DomainRow:
    domain: ReadinessDomain
    summary: scoring.DomainSummary
    member_scores: list  # in the order of Report.members
    staff: float | None = None

    @property
    def gap(self) -> float | None:
        return scoring.gap(self.staff, self.summary.composite)


@dataclass
class Report:
    assessment: Assessment
    level: str
    members: list  # [(label, AnswerSet)], completed member answer sets, anonymised order
    rows: list[DomainRow]
    disagreements: list
    staff_sets: list = field(default_factory=list)
    mine: AnswerSet | None = None
    member_values: list = field(default_factory=list)  # {item id: value} per member, in the order of members

    @property
    def shows_composites(self) -> bool:
        return len(self.members) >= (MIN_RATERS_FOR_TEAM if self.level == MEMBER else 1)

    @property
    def has_staff_rating(self) -> bool:
        return any(row.staff is not None for row in self.rows)


def _anonymous_order(assessment_id: int, answer_set: AnswerSet) -> str:
    # Neither alphabetical nor the order people started in: a stable shuffle.
    return hashlib.sha256(f"{assessment_id}:{answer_set.user_id}".encode()).hexdigest()


def build(assessment: Assessment, *, level: str, viewer) -> Report:
    sets = list(assessment.answer_sets)
    completed = sorted((s for s in sets if s.is_completed and not s.is_staff),
                       key=lambda s: _anonymous_order(assessment.id, s))
    labels = scoring.member_labels(len(completed))
    if level == STAFF:
        labels = [s.user.display_name for s in completed]
    staff_sets = [s for s in sets if s.is_staff and s.is_completed]
    domains = assessment.instrument.domains
    team = scoring.summarise(scores := rater_scores(completed, assessment), domains)
    staff = scoring.summarise(rater_scores(staff_sets, assessment), domains)
    rows = [DomainRow(d, team[d], [s.get(d) for s in scores], staff[d].composite) for d in domains]
    values = [s.values() for s in completed]
    items = {item.id: item for item in assessment.instrument.items}
    found = [scoring.Disagreement(items[d.item], d.lowest, d.highest, d.values)
             for d in scoring.disagreements(values, list(items))]
    mine = next((s for s in sets if s.user_id == getattr(viewer, "id", None) and not s.is_staff), None)
    return Report(assessment, level, list(zip(labels, completed)), rows, found,
                  staff_sets if level in (STAFF, MEMBER) else [], mine, values)


# ---- growth -------------------------------------------------------------------------------------


@dataclass
class Growth:
    assessments: list[Assessment]
    domains: list[tuple[str, str]]  # (key, title), in the order of the latest instrument

    def composite(self, assessment: Assessment, key: str) -> float | None:
        values = ((assessment.summary or {}).get("domains") or {}).get(key)
        return values[0] if values else None

    def series(self) -> list[tuple[str, list]]:
        return [(title, [self.composite(a, key) for a in self.assessments]) for key, title in self.domains]

    def chart(self, font: str = "Helvetica"):
        labels = [a.label for a in self.assessments]
        return charts.line_chart(labels, self.series(), title="Team composite by domain over time",
                                 y_range=(1, 4), font=font)

    @property
    def has_growth(self) -> bool:
        rated = [a for a in self.assessments if (a.summary or {}).get("raters")]
        return len(rated) >= 2


def growth(application_id: int, *, upto: Assessment | None = None) -> Growth:
    query = (sa.select(Assessment).where(Assessment.application_id == application_id)
             .order_by(Assessment.opened_at, Assessment.id))
    if upto is not None:
        query = query.where(Assessment.opened_at <= upto.opened_at)
    assessments = list(db.session.scalars(query))
    if not assessments:
        return Growth([], [])
    latest = assessments[-1].instrument_id
    domains = list(db.session.execute(sa.select(ReadinessDomain.key, ReadinessDomain.title)
                                      .where(ReadinessDomain.instrument_id == latest)
                                      .order_by(ReadinessDomain.position)))
    return Growth(assessments, [(key, title) for key, title in domains])


# ---- comparison of a challenge's teams ------------------------------------------------------------


@dataclass
class TeamRow:
    application_id: int
    school_name: str
    team_name: str
    assessment_id: int | None
    assessment_label: str
    assessment_status: str
    summary: dict
    cells: dict  # domain key -> [composite, spread, raters]

    def composite(self, key: str) -> float | None:
        cell = self.cells.get(key)
        return cell[0] if cell else None

    def shown(self, keys) -> list[tuple[str, str]]:
        """(composite, spread) as the table shows them, per domain key."""
        out = []
        for key in keys:
            cell = self.cells.get(key)
            if not cell or cell[0] is None:
                out.append(("", ""))
            else:
                out.append((f"{cell[0]:.2f}", "one rater" if cell[1] is None else f"spread {cell[1]:.2f}"))
        return out


def comparison(challenge, *, sort: str = "team", descending: bool = False) -> tuple[list, list[TeamRow]]:
    """Every submitted application of the challenge with its latest rated assessment's composites,
    in three queries whatever the number of teams (plain rows, no objects to build)."""
    settings = db.session.get(ChallengeReadiness, challenge.id)
    domains = []
    if settings is not None and settings.instrument_id:
        domains = list(db.session.execute(
            sa.select(ReadinessDomain.key, ReadinessDomain.title)
            .where(ReadinessDomain.instrument_id == settings.instrument_id).order_by(ReadinessDomain.position)))
    pairs = db.session.execute(
        sa.select(Application.id, Application.school_name, Team.name).join(Team, Team.id == Application.team_id)
        .where(Application.challenge_id == challenge.id, Application.submitted_at.is_not(None))
        .order_by(Team.name, Application.id)).all()
    latest = {}
    for row in db.session.execute(
            sa.select(Assessment.id, Assessment.application_id, Assessment.label, Assessment.status, Assessment.summary)
            .join(Application, Application.id == Assessment.application_id)
            .where(Application.challenge_id == challenge.id).order_by(Assessment.opened_at, Assessment.id)):
        if (row.summary or {}).get("raters"):
            latest[row.application_id] = row
    rows = []
    for application_id, school_name, team_name in pairs:
        found = latest.get(application_id)
        summary = (found.summary or {}) if found else {}
        rows.append(TeamRow(application_id, school_name or "", team_name, found.id if found else None,
                            found.label if found else "", str(found.status) if found else "", summary,
                            summary.get("domains") or {}))
    keys = {key for key, _ in domains}
    if sort in keys:
        rated = [r for r in rows if r.composite(sort) is not None]
        unrated = [r for r in rows if r.composite(sort) is None]
        rated.sort(key=lambda r: r.composite(sort), reverse=descending)
        rows = rated + unrated  # not rated stays last either way
    elif descending:
        rows.reverse()
    return [(key, title) for key, title in domains], rows


def comparison_csv_rows(challenge, domains, rows):
    header = ["Team", "School", "Assessment", "Status", "Members who completed"]
    for _, title in domains:
        header += [f"{title} composite", f"{title} spread"]
    yield header
    for row in rows:
        line = [row.team_name, row.school_name, row.assessment_label, row.assessment_status,
                row.summary.get("raters", 0)]
        for key, _ in domains:
            cell = row.cells.get(key)
            if not cell or cell[0] is None:
                line += ["", ""]
            else:
                line += [f"{cell[0]:.2f}", "one rater" if cell[1] is None else f"{cell[1]:.2f}"]
        yield line


def instruments_by_id(ids) -> dict[int, Instrument]:
    return {i.id: i for i in db.session.scalars(sa.select(Instrument).where(Instrument.id.in_(list(ids) or [-1])))}


def load_assessment(assessment_id: int):
    """The assessment with its answer sets, ratings and instrument in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Assessment).where(Assessment.id == assessment_id).options(
            selectinload(Assessment.answer_sets).selectinload(AnswerSet.ratings),
            selectinload(Assessment.instrument).selectinload(Instrument.domains)
            .selectinload(ReadinessDomain.items)))
