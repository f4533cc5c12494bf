"""The portfolio dashboard (portfolio area): an organisation's schools, filtered, with their
trajectories, the counts by status, the share sustainable by year 4 and the market share.

The number of SQL statements does not depend on the number of schools: `figures.portfolio`
loads the schools and every verified year in a fixed number of queries; the status filter and
the page are applied in Python, after the trajectories are computed (a status is not a column).
"""
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.core.forms import has_control_characters, is_plain_id
from incubator.core.pagination import Page
from incubator.incubation.models import School
from incubator.sustainability import figures, metrics
from incubator.sustainability.models import settings_of
from incubator.sustainability.states import SchoolSource, Status

PER_PAGE = 50
CHART_SCHOOLS = 9   # the chart draws this many schools (of the page) besides the glide path
NAME_MAX = 200


def _text(args, name: str) -> str:
    value = (args.get(name) or "").strip()[:NAME_MAX]
    return "" if has_control_characters(value) else value


@dataclass(frozen=True)
class Filters:
    status: Status | None = None
    opening_year: int | None = None
    source: SchoolSource | None = None
    q: str = ""

    @classmethod
    def parse(cls, args) -> "Filters":
        """From the query string; a value that names nothing is ignored (filters only read)."""
        status, source, year = _text(args, "status"), _text(args, "source"), _text(args, "opening_year")
        return cls(status=Status(status) if status in Status.__members__ else None,
                   opening_year=int(year) if is_plain_id(year, 4) and 1900 <= int(year) <= 2999 else None,
                   source=SchoolSource(source) if source in SchoolSource.__members__ else None,
                   q=_text(args, "q"))

    @property
    def active(self) -> bool:
        return bool(self.status or self.opening_year or self.source or self.q)

    def args(self, **changes) -> dict:
        """The query string of these filters (with `changes`: a key set to None is dropped)."""
        out = {"status": self.status.value if self.status else None, "opening_year": self.opening_year,
               "source": self.source.value if self.source else None, "q": self.q or None}
        out.update(changes)
        return {key: value for key, value in out.items() if value not in (None, "")}


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def school_select(organisation_id: int, filters: Filters) -> sa.Select:
    """SQL: the organisation's schools that the filters other than the status keep."""
    query = sa.select(School).where(School.organisation_id == organisation_id)
    if filters.opening_year:
        query = query.where(School.planned_opening_year == filters.opening_year)
    if filters.source:
        query = query.where(School.source == filters.source.value)
    if filters.q:
        query = query.where(sa.func.lower(School.name).like(_like(filters.q), escape="\\"))
    return query


def opening_years(organisation_id: int) -> list[int]:
    """The opening years the organisation's schools have (for the filter)."""
    from incubator.extensions import db

    return list(db.session.scalars(
        sa.select(School.planned_opening_year).where(School.organisation_id == organisation_id,
                                                     School.planned_opening_year.is_not(None))
        .distinct().order_by(School.planned_opening_year)))


def coverage_by_year(summary: figures.SchoolSummary) -> list:
    """The school's coverage in years 1-4 (a Fraction, or None: not verified or undetermined)."""
    by_year = dict(summary.trajectory.points)
    return [by_year.get(year) for year in metrics.YEARS]


def filtered(organisation_id: int, filters: Filters) -> tuple[list[figures.SchoolSummary], list[figures.SchoolSummary]]:
    """(the schools the filters other than the status keep, those the status keeps too), by name."""
    summaries = figures.portfolio(organisation_id, schools=school_select(organisation_id, filters))
    if filters.status is None:
        return summaries, summaries
    return summaries, [s for s in summaries if s.trajectory.status is filters.status]


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    totals: figures.PortfolioTotals         # over the schools the filters other than status keep
    page: Page                              # of SchoolSummary
    glide_path: tuple[int, int, int, int]
    city_enrollment: int | None
    opening_years: list[int]

    @property
    def charted(self) -> list[figures.SchoolSummary]:
        return [s for s in self.page.items if s.trajectory.points][:CHART_SCHOOLS]


def build(organisation_id: int, filters: Filters, page_number: int = 1, per_page: int = PER_PAGE) -> Dashboard:
    settings = settings_of(organisation_id)
    kept, shown = filtered(organisation_id, filters)
    totals = figures.totals(kept, settings.city_enrollment)
    pages = max(1, -(-len(shown) // per_page))
    page_number = min(max(1, page_number), pages)
    start = (page_number - 1) * per_page
    page = Page(items=shown[start:start + per_page], page=page_number, per_page=per_page, total=len(shown))
    return Dashboard(filters, totals, page, settings.glide_path, settings.city_enrollment,
                     opening_years(organisation_id))


# ---- the CSV ------------------------------------------------------------------------------------

CSV_HEADER = ["School", "Grades", "Opening year", "Source", "Status", "Why", "Latest enrollment",
              *(f"Coverage year {y} (%)" for y in metrics.YEARS), *(f"Glide path year {y} (%)" for y in metrics.YEARS)]


def _percent_cell(value) -> str:
    return "" if value is None else f"{float(value * 100):.1f}"


def csv_lines(organisation_id: int, filters: Filters) -> list[list]:
    """The header and one line per school the filters keep (all of them, not a page)."""
    glide = settings_of(organisation_id).glide_path
    _, shown = filtered(organisation_id, filters)
    lines = [CSV_HEADER]
    for summary in shown:
        school = summary.school
        lines.append([school.name, school.grades, school.planned_opening_year or "",
                      SchoolSource(school.source).label if school.source in SchoolSource.__members__ else school.source,
                      summary.trajectory.status.label, summary.trajectory.why,
                      "" if summary.enrollment is None else summary.enrollment,
                      *(_percent_cell(c) for c in coverage_by_year(summary)), *glide])
    return lines
