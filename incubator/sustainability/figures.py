"""What the metrics count, loaded in a fixed number of queries whatever the number of schools.

Only verified reports count: for each school and year, the latest verified revision (a
correction in progress leaves the verified figures in place).
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import metrics
from incubator.sustainability.models import AnnualReport, figures_of, report_columns, settings_of
from incubator.sustainability.states import ReportStatus


def current_verified():
    """SQL: the reports that count, the latest verified revision of each (school, year)."""
    later = aliased(AnnualReport)
    return (sa.select(AnnualReport.school_id, AnnualReport.year, *report_columns())
            .where(AnnualReport.status == ReportStatus.verified,
                   ~sa.select(later.id).where(later.school_id == AnnualReport.school_id,
                                              later.year == AnnualReport.year,
                                              later.status == ReportStatus.verified,
                                              later.revision > AnnualReport.revision).exists()))


def verified_years(school_ids: Iterable[int] | sa.Select) -> dict[int, list[metrics.YearFigures]]:
    """school id -> its verified years (by year), in one query. `school_ids`: ids, or a select of them."""
    query = current_verified().where(AnnualReport.school_id.in_(school_ids)).order_by(
        AnnualReport.school_id, AnnualReport.year)
    found: dict[int, list[metrics.YearFigures]] = defaultdict(list)
    for school_id, year, *values in db.session.execute(query):
        found[school_id].append(figures_of(year, *values))
    return found


@dataclass(frozen=True)
class SchoolSummary:
    school: School
    years: list[metrics.YearFigures]            # verified, by year
    trajectory: metrics.Trajectory
    enrollment: int | None                      # latest verified actual enrollment

    @property
    def by_year(self) -> dict[int, metrics.YearFigures]:
        return {f.year: f for f in self.years}


def summarise(school: School, years: list[metrics.YearFigures], glide_path) -> SchoolSummary:
    return SchoolSummary(school, years, metrics.trajectory(years, glide_path), metrics.latest_enrollment(years))


def school_summary(school: School) -> SchoolSummary:
    glide = settings_of(school.organisation_id).glide_path
    return summarise(school, verified_years([school.id]).get(school.id, []), glide)


def portfolio(organisation_id: int, schools: sa.Select | None = None) -> list[SchoolSummary]:
    """Every school of the organisation (or those `schools` selects, a select of School) with its
    trajectory, by name: three queries (settings, schools, verified reports)."""
    glide = settings_of(organisation_id).glide_path
    query = schools if schools is not None else sa.select(School).where(School.organisation_id == organisation_id)
    rows = list(db.session.scalars(query.order_by(School.name, School.id)))
    years = verified_years(sa.select(School.id).where(School.organisation_id == organisation_id)) if rows else {}
    return [summarise(school, years.get(school.id, []), glide) for school in rows]


@dataclass(frozen=True)
class PortfolioTotals:
    """The portfolio against the coalition's goals."""

    schools: int
    counts: dict                       # Status -> number of schools
    reached_year_4: int                # schools with a verified year-4 coverage
    sustainable_year_4: int            # of those, coverage >= 100% in year 4
    on_track_younger: int              # schools not yet at year 4 that are on track
    younger: int                       # schools with a verified year but none at year 4
    market: metrics.MarketShare        # students (latest verified enrollment) / city enrollment

    @property
    def sustainable_share(self):
        """Share of the schools that reached year 4 sustainable on public revenue (None: none yet)."""
        return metrics.ratio(self.sustainable_year_4, self.reached_year_4)


def totals(summaries: list[SchoolSummary], city_enrollment: int | None) -> PortfolioTotals:
    from incubator.sustainability.states import Status

    counts = {status: 0 for status in Status}
    reached = sustainable = younger = on_track_younger = students = 0
    for summary in summaries:
        counts[summary.trajectory.status] += 1
        students += summary.enrollment or 0
        year_4 = next((c for year, c in summary.trajectory.points if year == 4), None)
        if year_4 is not None:
            reached += 1
            sustainable += year_4 >= 1
        elif summary.trajectory.points:
            younger += 1
            on_track_younger += summary.trajectory.status is Status.on_track
    return PortfolioTotals(len(summaries), counts, reached, sustainable, on_track_younger, younger,
                           metrics.market_share(students, city_enrollment))
