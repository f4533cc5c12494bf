"""The sustainability maths of one school (no Flask, no database): DESIGN.md section 3.

Per school and year, from the year's reported figures:

- coverage = public per-pupil revenue (state and local + federal) / operating expenses, against
  the organisation's glide path (default 70, 80, 90, 100% in years 1-4);
- enrollment variance = actual (October count) / budgeted enrollment;
- days cash on hand = unrestricted cash / (total expenses / 365);
- current ratio = current assets / current liabilities;
- total margin = (total revenue - total expenses) / total revenue;
- philanthropic dependence = philanthropic revenue / operating expenses.

A measure whose inputs are missing, or whose denominator is zero, is undetermined (None, rated
"undetermined"), never 0 and never an error. Everything is computed with exact fractions, so a
figure exactly at a threshold is rated as the threshold says (59.999... days is not 60).

Ratings (NACSA's financial framework, the thresholds of DESIGN.md):

| measure | meets | falls far below | otherwise |
| --- | --- | --- | --- |
| coverage | >= glide path of the year | more than 10 points below it | does not meet |
| enrollment variance | >= 95% | < 85% | does not meet |
| days cash | >= 60 (>= 30 in years 1-2) | < 15 | does not meet |
| current ratio | >= 1.1 | < 0.9 | does not meet |
| total margin | >= 0 | < -10% (NACSA's "falls far below") | does not meet |

Philanthropic dependence is shown, not rated (it falls as coverage rises).

Trajectory (`trajectory`): a least-squares line through the school's coverage by year (the
verified years with a coverage), projected to year 4. On track: latest coverage at or above the
glide path and the projection at or above 100%; off track: latest coverage more than 10 points
below the glide path, or the projection below 90%; at risk otherwise; undetermined with no
verified year (or none with a coverage). Two cases the rule leaves open, decided here:

- one year only: a line needs two points, so there is no projection; the status follows the
  latest coverage alone (at or above the glide path: on track; more than 10 points below: off
  track; between: at risk) and the reason says there is no trend yet;
- year 4 verified: its coverage is known, so it is the "projection" (a line through years 1-4
  would second-guess the figure itself).
"""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from incubator.sustainability.states import Rating, Status

YEARS = (1, 2, 3, 4)
DEFAULT_GLIDE_PATH = (70, 80, 90, 100)  # percent of operating expenses, years 1-4
TEN_POINTS = Fraction(10, 100)
ON_TRACK_PROJECTION = Fraction(1)
OFF_TRACK_PROJECTION = Fraction(90, 100)

ENROLLMENT_MEETS, ENROLLMENT_FAR_BELOW = Fraction(95, 100), Fraction(85, 100)
DAYS_CASH_MEETS, DAYS_CASH_MEETS_EARLY, DAYS_CASH_FAR_BELOW = 60, 30, 15
CURRENT_RATIO_MEETS, CURRENT_RATIO_FAR_BELOW = Fraction(11, 10), Fraction(9, 10)
MARGIN_MEETS, MARGIN_FAR_BELOW = Fraction(0), Fraction(-10, 100)

# The coalition's academic targets: years of growth in a school year; share college-ready.
GROWTH_TARGET = Fraction(3, 2)
COLLEGE_READY_TARGET = Fraction(80, 100)

# The coalition's personalised-learning "market share" targets: the share of the city's
# public-school students in portfolio schools.
MARKET_SHARE_TARGETS = (Fraction(2, 100), Fraction(5, 100), Fraction(30, 100))


@dataclass(frozen=True)
class YearFigures:
    """What a school reported for one year (money in cents; None when not reported)."""

    year: int
    budgeted_enrollment: int | None = None
    actual_enrollment: int | None = None
    public_state_local_cents: int | None = None
    public_federal_cents: int | None = None
    philanthropic_cents: int | None = None
    other_revenue_cents: int | None = None
    operating_expenses_cents: int | None = None
    total_expenses_cents: int | None = None
    unrestricted_cash_cents: int | None = None
    current_assets_cents: int | None = None
    current_liabilities_cents: int | None = None
    math_growth: Fraction | None = None       # years of growth
    ela_growth: Fraction | None = None
    college_ready: Fraction | None = None     # share of students, 0..1

    @property
    def public_revenue_cents(self) -> int | None:
        return _sum(self.public_state_local_cents, self.public_federal_cents)

    @property
    def total_revenue_cents(self) -> int | None:
        return _sum(self.public_state_local_cents, self.public_federal_cents, self.philanthropic_cents,
                    self.other_revenue_cents)


def _sum(*parts: int | None) -> int | None:
    return None if any(p is None for p in parts) else sum(parts)


def ratio(numerator: int | None, denominator: int | None) -> Fraction | None:
    """numerator / denominator, or None (undetermined) if either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return Fraction(numerator, denominator)


def glide_target(glide_path: Sequence[int], year: int) -> Fraction:
    """The glide path's coverage target of `year` (1-4), as a fraction (80 -> 4/5)."""
    return Fraction(glide_path[year - 1], 100)


# ---- the measures -------------------------------------------------------------------------

def coverage(f: YearFigures) -> Fraction | None:
    return ratio(f.public_revenue_cents, f.operating_expenses_cents)


def enrollment_variance(f: YearFigures) -> Fraction | None:
    return ratio(f.actual_enrollment, f.budgeted_enrollment)


def days_cash(f: YearFigures) -> Fraction | None:
    if f.unrestricted_cash_cents is None or not f.total_expenses_cents:
        return None
    return Fraction(f.unrestricted_cash_cents * 365, f.total_expenses_cents)


def current_ratio(f: YearFigures) -> Fraction | None:
    return ratio(f.current_assets_cents, f.current_liabilities_cents)


def total_margin(f: YearFigures) -> Fraction | None:
    revenue = f.total_revenue_cents
    if revenue is None or f.total_expenses_cents is None or revenue == 0:
        return None
    return Fraction(revenue - f.total_expenses_cents, revenue)


def philanthropic_dependence(f: YearFigures) -> Fraction | None:
    return ratio(f.philanthropic_cents, f.operating_expenses_cents)


# ---- the ratings ----------------------------------------------------------------------------

def _rate(value: Fraction | None, meets: Fraction, far_below: Fraction) -> Rating:
    if value is None:
        return Rating.undetermined
    if value >= meets:
        return Rating.meets
    if value < far_below:
        return Rating.falls_far_below
    return Rating.does_not_meet


def rate_coverage(value: Fraction | None, target: Fraction) -> Rating:
    return _rate(value, target, target - TEN_POINTS)


def rate_enrollment_variance(value: Fraction | None) -> Rating:
    return _rate(value, ENROLLMENT_MEETS, ENROLLMENT_FAR_BELOW)


def rate_days_cash(value: Fraction | None, year: int) -> Rating:
    meets = DAYS_CASH_MEETS_EARLY if year <= 2 else DAYS_CASH_MEETS
    return _rate(value, Fraction(meets), Fraction(DAYS_CASH_FAR_BELOW))


def rate_current_ratio(value: Fraction | None) -> Rating:
    return _rate(value, CURRENT_RATIO_MEETS, CURRENT_RATIO_FAR_BELOW)


def rate_total_margin(value: Fraction | None) -> Rating:
    return _rate(value, MARGIN_MEETS, MARGIN_FAR_BELOW)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    value: Fraction | None
    rating: Rating | None   # None: shown, not rated
    kind: str               # how it reads: "percent", "days" or "ratio"

    @property
    def undetermined(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class YearMetrics:
    year: int
    glide: Fraction
    coverage: Measure
    enrollment_variance: Measure
    days_cash: Measure
    current_ratio: Measure
    total_margin: Measure
    philanthropic_dependence: Measure

    @property
    def measures(self) -> tuple[Measure, ...]:
        return (self.coverage, self.enrollment_variance, self.days_cash, self.current_ratio,
                self.total_margin, self.philanthropic_dependence)


def year_metrics(f: YearFigures, glide_path: Sequence[int] = DEFAULT_GLIDE_PATH) -> YearMetrics:
    """Every measure of one year, with its rating."""
    target = glide_target(glide_path, f.year)
    cov, enr, days, cur, margin, phil = (coverage(f), enrollment_variance(f), days_cash(f), current_ratio(f),
                                         total_margin(f), philanthropic_dependence(f))
    return YearMetrics(
        year=f.year, glide=target,
        coverage=Measure("coverage", "Public revenue coverage", cov, rate_coverage(cov, target), "percent"),
        enrollment_variance=Measure("enrollment_variance", "Enrollment variance", enr,
                                    rate_enrollment_variance(enr), "percent"),
        days_cash=Measure("days_cash", "Days cash on hand", days, rate_days_cash(days, f.year), "days"),
        current_ratio=Measure("current_ratio", "Current ratio", cur, rate_current_ratio(cur), "ratio"),
        total_margin=Measure("total_margin", "Total margin", margin, rate_total_margin(margin), "percent"),
        philanthropic_dependence=Measure("philanthropic_dependence", "Philanthropic dependence", phil, None,
                                         "percent"),
    )


# ---- academic outcomes ------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    label: str
    value: Fraction | None
    target: Fraction
    kind: str  # "years" or "percent"

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.value >= self.target


def academic_outcomes(f: YearFigures) -> tuple[Outcome, Outcome, Outcome]:
    return (Outcome("Math growth", f.math_growth, GROWTH_TARGET, "years"),
            Outcome("ELA growth", f.ela_growth, GROWTH_TARGET, "years"),
            Outcome("College-ready", f.college_ready, COLLEGE_READY_TARGET, "percent"))


# ---- the trajectory -------------------------------------------------------------------------

def least_squares(points: Sequence[tuple[int, Fraction]]) -> tuple[Fraction, Fraction] | None:
    """(slope, intercept) of the least-squares line through `points` (x, y); None with fewer than
    two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = Fraction(sum(x for x, _ in points), n)
    mean_y = sum((y for _, y in points), Fraction(0)) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


@dataclass(frozen=True)
class Trajectory:
    status: Status
    why: str
    points: tuple[tuple[int, Fraction], ...] = ()   # (year, coverage) of the verified years
    latest_year: int | None = None
    latest_coverage: Fraction | None = None
    glide: Fraction | None = None                    # the glide path of the latest year
    projected: Fraction | None = None                # coverage in year 4 (line or actual)
    line: tuple[Fraction, Fraction] | None = None    # (slope, intercept), for the chart

    def line_at(self, year: int) -> Fraction | None:
        if self.line is None:
            return None
        slope, intercept = self.line
        return intercept + slope * year


def percent(value: Fraction | None) -> str:
    """A share as whole percent ("78%"), or "undetermined"."""
    if value is None:
        return "undetermined"
    return f"{round(value * 100)}%"


def trajectory(years: Iterable[YearFigures], glide_path: Sequence[int] = DEFAULT_GLIDE_PATH) -> Trajectory:
    """The school's status from its verified years (pass only verified figures)."""
    points = tuple(sorted((f.year, c) for f in years if (c := coverage(f)) is not None))
    if not points:
        return Trajectory(Status.undetermined, "No verified year with a coverage figure yet.")
    latest_year, latest = points[-1]
    target = glide_target(glide_path, latest_year)
    line = least_squares(points)
    if latest_year == 4:
        projected = latest
    elif line is not None:
        projected = line[1] + line[0] * 4
    else:
        projected = None
    words = f"coverage {percent(latest)} in year {latest_year}, glide path {percent(target)}"
    if latest_year == 4:
        words += " (year 4 is reported)"
    elif projected is not None:
        words += f", projected {percent(projected)} in year 4"
    else:
        words += ", one verified year: no trend yet"
    far_below = latest < target - TEN_POINTS
    if far_below or (projected is not None and projected < OFF_TRACK_PROJECTION):
        status = Status.off_track
    elif latest >= target and (projected is None or projected >= ON_TRACK_PROJECTION):
        status = Status.on_track
    else:
        status = Status.at_risk
    why = words[0].upper() + words[1:]
    return Trajectory(status, why, points, latest_year, latest, target, projected, line)


# ---- the portfolio ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MarketShare:
    students: int
    city_enrollment: int | None
    share: Fraction | None
    targets: tuple[tuple[Fraction, bool | None], ...] = field(default=())  # (target, reached)


def market_share(students: int, city_enrollment: int | None) -> MarketShare:
    """Students in portfolio schools as a share of the city's public-school enrollment."""
    share = ratio(students, city_enrollment)
    return MarketShare(students, city_enrollment, share,
                       tuple((t, None if share is None else share >= t) for t in MARKET_SHARE_TARGETS))


def latest_enrollment(years: Iterable[YearFigures]) -> int | None:
    """The actual enrollment of the latest year that reports one."""
    known = sorted((f.year, f.actual_enrollment) for f in years if f.actual_enrollment is not None)
    return known[-1][1] if known else None
