"""The cohort grid: teams x milestones, its filters, counts and next due dates.

Read in a fixed number of statements whatever the number of teams: one for the teams (with their
application's school name and their team's name), one for every milestone of the cohort, both as
plain tuples (no ORM objects, so nothing in the template can lazy-load). Filtering and counting
happen here, in Python: a cohort is a few dozen teams, never thousands.

Columns are the union of the teams' milestones by position and title: a team added after the
template changed may have a different plan, and gets empty cells where it has no such milestone.

The counts and next due dates follow the filters: they cover exactly the cells the grid shows in
full (the page says so when a filter is on), of the teams still in the cohort. The next due dates are the open milestones not yet
late, soonest first (the late ones are counted as overdue).
"""
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from incubator.applications.models import Application, Team
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.models import Cohort, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, IncubationOutcome, MilestoneStatus

SEARCH_MAX = 100
NEXT_DUE = 5

# The state filter: its value in the address, its words, and which cells it keeps.
STATES: dict[str, tuple[str, object]] = {
    "overdue": ("Overdue", lambda cell: cell.is_overdue),
    "awaiting_review": ("Awaiting review", lambda cell: cell.status == MilestoneStatus.submitted),
    "changes_requested": ("Changes requested", lambda cell: cell.status == MilestoneStatus.changes_requested),
    "not_submitted": ("Not submitted", lambda cell: cell.status == MilestoneStatus.pending),
    "approved": ("Approved", lambda cell: cell.status == MilestoneStatus.approved),
}


@dataclass(frozen=True)
class Filters:
    state: str = ""            # a key of STATES, or "" (any)
    position: int | None = None  # one column: a milestone's position in the plan
    q: str = ""                # part of a school's or team's name
    required_only: bool = False
    show_left: bool = False    # teams that left the cohort, shown last

    @classmethod
    def from_args(cls, get) -> "Filters":
        """From a query-string getter (`core.forms.query_arg`); a value that cannot mean anything
        (an unknown state, a position that is not a small number) is ignored."""
        state = get("state", 40)
        position = get("milestone", 6)
        return cls(state=state if state in STATES else "",
                   position=int(position) if position.isascii() and position.isdigit() and 0 < int(position) < 10**4
                   else None,
                   q=" ".join(get("q", SEARCH_MAX).split()),
                   required_only=get("required", 2) == "1", show_left=get("left", 2) == "1")

    @property
    def narrows_cells(self) -> bool:
        """A filter that leaves some of the shown teams' milestones out of the counts."""
        return bool(self.state or self.position is not None or self.required_only)

    @property
    def is_filtered(self) -> bool:
        return self.narrows_cells or bool(self.q)

    def args(self, **changes) -> dict[str, str]:
        """The query string of these filters (with `changes`), for a link that keeps them."""
        values = {"state": self.state, "milestone": str(self.position or ""), "q": self.q,
                  "required": "1" if self.required_only else "", "left": "1" if self.show_left else ""}
        values.update(changes)
        return {key: value for key, value in values.items() if value}

    def matches(self, cell: "Cell") -> bool:
        if self.position is not None and cell.position != self.position:
            return False
        if self.required_only and not cell.required_for_launch:
            return False
        return not self.state or STATES[self.state][1](cell)


@dataclass(frozen=True)
class Column:
    position: int
    title: str
    key: tuple[int, str] = ()  # (position, title), what a row's cells are keyed by

    def __post_init__(self):
        object.__setattr__(self, "key", (self.position, self.title))


@dataclass
class Cell:
    milestone_id: int
    position: int
    title: str
    status: MilestoneStatus
    due_on: date
    due_at: datetime
    is_overdue: bool
    required_for_launch: bool
    last_activity: str
    last_activity_at: datetime | None
    last_activity_on: date | None  # the local day of it, as the cell shows it
    is_shown: bool = True  # in full (it matches the filters), or only its state (it does not)
    # Words for the page, made once here (a template macro per cell cost more than the queries).
    label: str = ""
    due_words: str = ""
    activity_words: str = ""
    short_words: str = ""


@dataclass
class Row:
    cohort_team_id: int
    school_name: str
    team_name: str
    is_active: bool
    outcome: IncubationOutcome | None
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    line: list[tuple[Column, Cell | None]] = field(default_factory=list)  # the shown columns, in order

    @property
    def outcome_label(self) -> str:
        return self.outcome.label if self.outcome else ""


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    counts: schedule.Counts
    next_due: list[tuple[Row, Cell]]
    all_columns: list[Column]   # every column of the cohort (for the milestone filter)
    teams: int                  # every team in the cohort, whatever the filters
    left_hidden: int            # teams that left, not shown (the "show teams that left" filter is off)


def _rows(cohort: Cohort) -> list[Row]:
    result = db.session.execute(
        sa.select(CohortTeam.id, CohortTeam.status, CohortTeam.outcome, Application.school_name, Team.name)
        .join(Application, Application.id == CohortTeam.application_id)
        .join(Team, Team.id == CohortTeam.team_id)
        .where(CohortTeam.cohort_id == cohort.id))
    rows = [Row(cohort_team_id=i, school_name=school or team, team_name=team,
                is_active=CohortTeamStatus(status) == CohortTeamStatus.active,
                outcome=IncubationOutcome(outcome) if outcome else None)
            for i, status, outcome, school, team in result]
    # Teams in the cohort first, those that left last; each by name.
    rows.sort(key=lambda r: (not r.is_active, r.school_name.casefold(), r.team_name.casefold(), r.cohort_team_id))
    return rows


# The short words of a cell on a dense print sheet (a legend above the grid explains them).
SHORT_WORDS = {MilestoneStatus.pending: "To do", MilestoneStatus.submitted: "Review",
               MilestoneStatus.changes_requested: "Changes", MilestoneStatus.approved: "Approved"}


def day_words(day: date, this_year: int) -> str:
    """ "14 Oct", or "14 Oct 2027" when it is not this year."""
    return f"{day.day} {day:%b}" if day.year == this_year else f"{day.day} {day:%b %Y}"


class _DayWords(dict):
    """Per date met: (day_words, the short "14 Oct"), made once (600 cells share a few dozen dates)."""

    def __init__(self, this_year: int):
        super().__init__()
        self.this_year = this_year

    def __missing__(self, day: date) -> tuple[str, str]:
        self[day] = words = (day_words(day, self.this_year), f"{day.day} {day:%b}")
        return words


def _cells(cohort: Cohort, now: datetime) -> list[tuple[int, Cell]]:
    result = db.session.execute(
        sa.select(Milestone.cohort_team_id, Milestone.id, Milestone.position, Milestone.title, Milestone.status,
                  Milestone.due_on, Milestone.due_at, Milestone.required_for_launch, Milestone.last_activity,
                  Milestone.last_activity_at)
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .where(CohortTeam.cohort_id == cohort.id)
        .order_by(Milestone.position, Milestone.id))
    cells, tz_name = [], cohort.timezone
    words = _DayWords(local(now, tz_name).year)
    for team_id, i, position, title, status, day, due_at, required, activity, activity_at in result:
        status = MilestoneStatus(status)
        late = schedule.is_overdue(status, due_at, now)
        activity_on = local(activity_at, tz_name).date() if activity_at else None
        activity_words = (activity or "") + (f", {words[activity_on][0]}" if activity and activity_on else "")
        due_words, due_short = words[day]
        cells.append((team_id, Cell(
            milestone_id=i, position=position, title=title, status=status, due_on=day, due_at=due_at,
            is_overdue=late, required_for_launch=required, last_activity=activity or "",
            last_activity_at=activity_at, last_activity_on=activity_on, label=status.label,
            due_words=due_words, activity_words=activity_words,
            short_words=f"{'Overdue' if late else SHORT_WORDS[status]} {due_short}")))
    return cells


def _name_matches(row: Row, q: str) -> bool:
    needle = q.casefold()
    return needle in row.school_name.casefold() or needle in row.team_name.casefold()


def build(cohort: Cohort, filters: Filters, now: datetime) -> Grid:
    """The grid of `cohort` as `filters` narrow it, at the moment `now` (for overdue)."""
    rows = _rows(cohort)
    by_id = {row.cohort_team_id: row for row in rows}
    columns: dict[tuple[int, str], Column] = {}
    for team_id, cell in _cells(cohort, now):
        column = Column(cell.position, cell.title)
        columns.setdefault(column.key, column)
        by_id[team_id].cells.setdefault(column.key, cell)
    all_columns = sorted(columns.values(), key=lambda c: (c.position, c.title.casefold()))

    left_hidden = 0 if filters.show_left else sum(1 for row in rows if not row.is_active)
    shown = [row for row in rows if (row.is_active or filters.show_left)
             and (not filters.q or _name_matches(row, filters.q))]
    for row in shown:
        for cell in row.cells.values():
            cell.is_shown = filters.matches(cell)
    if filters.narrows_cells:
        # Only the teams and the columns that hold at least one cell the filters keep.
        shown = [row for row in shown if any(cell.is_shown for cell in row.cells.values())]
        kept = {key for row in shown for key, cell in row.cells.items() if cell.is_shown}
        visible_columns = [c for c in all_columns if c.key in kept]
    else:
        visible_columns = all_columns

    for row in shown:
        row.line = [(column, row.cells.get(column.key)) for column in visible_columns]
    # Teams that left are shown (when asked for) but never counted: their work is no longer due.
    counted = [cell for row in shown if row.is_active for cell in row.cells.values() if cell.is_shown]
    counts = schedule.counts(((cell.status, cell.due_at) for cell in counted), now)
    upcoming = sorted(((row, cell) for row in shown if row.is_active for cell in row.cells.values()
                       if cell.is_shown and cell.status.is_open and not cell.is_overdue),
                      key=lambda pair: (pair[1].due_at, pair[0].school_name.casefold(), pair[1].position))
    return Grid(columns=visible_columns, rows=shown, counts=counts, next_due=upcoming[:NEXT_DUE],
                all_columns=all_columns, teams=len(rows), left_hidden=left_hidden)


@dataclass(frozen=True)
class Progress:
    """Where the cohort stands in its calendar: "week 11 of 26"."""

    week: int
    weeks: int
    has_started: bool
    has_ended: bool

    @property
    def words(self) -> str:
        if not self.has_started:
            return "Not started yet"
        if self.has_ended:
            return "Ended"
        return f"Week {self.week} of {self.weeks}"


def progress(cohort: Cohort, now: datetime) -> Progress:
    today = local(now, cohort.timezone).date()
    ends_on = cohort.ends_on
    weeks = max(1, -(-(ends_on - cohort.starts_on).days // 7))
    week = (today - cohort.starts_on).days // 7 + 1
    return Progress(week=min(max(week, 1), weeks), weeks=weeks, has_started=today >= cohort.starts_on,
                    has_ended=today >= ends_on)
