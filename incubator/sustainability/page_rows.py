"""What a school's page and its PDFs show, as plain rows (no Flask, no database): the metrics
table (measures x years 1-4, each value formatted with its rating), the coverage numbers behind
the chart, and the academic outcomes against their targets.

Values are cut (rounded down) to the precision shown, so a figure never reads as meeting a
threshold it misses: 94.99% enrollment shows "94.9%", not "95.0%" next to "Does not meet".
"""
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from incubator.sustainability import metrics
from incubator.sustainability.states import Rating

UNDETERMINED = "Undetermined"
NOT_VERIFIED = "No verified report"


def _down(value: Fraction, places: int) -> str:
    scale = 10 ** places
    cut = Fraction(math.floor(value * scale), scale)
    return f"{float(cut):,.{places}f}"


def format_value(value: Fraction | None, kind: str) -> str:
    """A measure as it reads: "85.0%", "52.1 days", "1.66"; "Undetermined" when unknown (never 0)."""
    if value is None:
        return UNDETERMINED
    if kind == "percent":
        return f"{_down(value * 100, 1)}%"
    if kind == "days":
        return f"{_down(value, 1)} days"
    if kind == "years":
        return f"{_down(value, 2)} years"
    return _down(value, 2)


@dataclass(frozen=True)
class Cell:
    text: str
    rating: Rating | None = None   # None: shown, not rated (or no verified report)
    verified: bool = True

    @property
    def rating_label(self) -> str:
        return self.rating.label if self.rating is not None else ""


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    cells: tuple[Cell, ...]        # years 1-4


def metric_rows(years: Sequence[metrics.YearFigures], glide_path: Sequence[int]) -> list[MetricRow]:
    """One row per measure, one cell per year 1-4 ("No verified report" for a year without one)."""
    by_year = {f.year: metrics.year_metrics(f, glide_path) for f in years}
    template = metrics.year_metrics(metrics.YearFigures(year=1), glide_path).measures
    rows = []
    for index, measure in enumerate(template):
        cells = []
        for year in metrics.YEARS:
            found = by_year.get(year)
            if found is None:
                cells.append(Cell(NOT_VERIFIED, None, verified=False))
                continue
            m = found.measures[index]
            cells.append(Cell(format_value(m.value, m.kind), m.rating))
        rows.append(MetricRow(measure.key, measure.label, tuple(cells)))
    return rows


@dataclass(frozen=True)
class CoverageRow:
    year: int
    coverage: str      # verified coverage, or "Undetermined" / "No verified report"
    glide: str
    projected: str     # the least-squares line at the year (from the latest verified year on), or ""


def coverage_rows(trajectory: metrics.Trajectory, years: Sequence[metrics.YearFigures],
                  glide_path: Sequence[int]) -> list[CoverageRow]:
    """The chart's numbers, for the table next to it (screen readers) and the PDF."""
    points = dict(trajectory.points)
    verified = {f.year for f in years}
    rows = []
    for year in metrics.YEARS:
        if year in points:
            coverage = format_value(points[year], "percent")
        else:
            coverage = UNDETERMINED if year in verified else NOT_VERIFIED
        projected = ""
        if (trajectory.line is not None and trajectory.latest_year is not None and trajectory.latest_year < 4
                and year >= trajectory.latest_year):
            projected = format_value(max(Fraction(0), trajectory.line_at(year)), "percent")
        rows.append(CoverageRow(year, coverage, f"{glide_path[year - 1]}%", projected))
    return rows


@dataclass(frozen=True)
class OutcomeRow:
    label: str
    value: str
    target: str
    met: bool | None

    @property
    def verdict(self) -> str:
        return {True: "Target met", False: "Below target", None: UNDETERMINED}[self.met]


@dataclass(frozen=True)
class Outcomes:
    year: int | None               # the latest verified year that reports any outcome
    rows: tuple[OutcomeRow, ...]


def _outcome_text(value: Fraction | None, kind: str) -> str:
    return format_value(value, kind)


def outcomes(years: Sequence[metrics.YearFigures]) -> Outcomes:
    """The academic outcomes of the latest verified year that has any, against their targets."""
    with_outcomes = [f for f in years if any(v is not None for v in (f.math_growth, f.ela_growth,
                                                                        f.college_ready))]
    if not with_outcomes:
        return Outcomes(None, ())
    latest = max(with_outcomes, key=lambda f: f.year)
    rows = tuple(OutcomeRow(o.label, _outcome_text(o.value, o.kind), _outcome_text(o.target, o.kind), o.met)
                 for o in metrics.academic_outcomes(latest))
    return Outcomes(latest.year, rows)
