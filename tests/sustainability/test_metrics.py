"""The sustainability maths against hand-computed fixtures (no Flask, no database): every measure,
every rating at its edges, the undefined cases (zero expenses, missing figures), the trajectory
rules and the portfolio's market share."""
from fractions import Fraction as F

import pytest

from incubator.sustainability import metrics
from incubator.sustainability.metrics import YearFigures
from incubator.sustainability.states import Rating, Status

GLIDE = (70, 80, 90, 100)


def year(n=1, *, public=850, federal=0, phil=200, other=0, opex=1000, total=1000, cash=None, assets=None,
         liabilities=None, budgeted=None, actual=None, **extra) -> YearFigures:
    return YearFigures(year=n, public_state_local_cents=public, public_federal_cents=federal,
                       philanthropic_cents=phil, other_revenue_cents=other, operating_expenses_cents=opex,
                       total_expenses_cents=total, unrestricted_cash_cents=cash, current_assets_cents=assets,
                       current_liabilities_cents=liabilities, budgeted_enrollment=budgeted,
                       actual_enrollment=actual, **extra)


def with_coverage(n: int, percent: int) -> YearFigures:
    """A year whose coverage is exactly `percent`% (public revenue `percent` of 100 expenses)."""
    return year(n, public=percent, opex=100, total=100, phil=0)


# ---- the measures, by hand ----------------------------------------------------------------------

def test_the_conftest_figures_by_hand():
    """1,500,000 + 200,000 public over 2,000,000 operating: 85%; 190/200: 95%; 300,000 cash over
    2,100,000 a year: 52 1/7 days; 500,000/300,000: 5/3; (2,110,000 - 2,100,000)/2,110,000 = 1/211;
    400,000/2,000,000: 20%."""
    f = YearFigures(year=1, budgeted_enrollment=200, actual_enrollment=190, public_state_local_cents=1_500_000_00,
                    public_federal_cents=200_000_00, philanthropic_cents=400_000_00, other_revenue_cents=10_000_00,
                    operating_expenses_cents=2_000_000_00, total_expenses_cents=2_100_000_00,
                    unrestricted_cash_cents=300_000_00, current_assets_cents=500_000_00,
                    current_liabilities_cents=300_000_00)
    assert metrics.coverage(f) == F(17, 20)
    assert metrics.enrollment_variance(f) == F(19, 20)
    assert metrics.days_cash(f) == F(365, 7)
    assert metrics.current_ratio(f) == F(5, 3)
    assert metrics.total_margin(f) == F(1, 211)
    assert metrics.philanthropic_dependence(f) == F(1, 5)
    m = metrics.year_metrics(f, GLIDE)
    assert [x.rating for x in m.measures] == [Rating.meets] * 5 + [None]


def test_zero_expenses_leave_every_expense_measure_undetermined_never_zero():
    f = year(public=500, opex=0, total=0, cash=100, assets=10, liabilities=0, budgeted=0, actual=10)
    for measure in (metrics.coverage, metrics.days_cash, metrics.current_ratio, metrics.enrollment_variance,
                    metrics.philanthropic_dependence):
        assert measure(f) is None
    m = metrics.year_metrics(f, GLIDE)
    assert m.coverage.rating is Rating.undetermined and m.coverage.undetermined
    assert m.days_cash.rating is Rating.undetermined
    # Revenue 700 with no expenses: a margin of 100%, defined.
    assert metrics.total_margin(f) == 1


def test_zero_revenue_leaves_the_margin_undetermined():
    assert metrics.total_margin(year(public=0, phil=0, other=0, total=100)) is None


def test_a_missing_figure_leaves_its_measures_undetermined():
    f = year(federal=None, cash=None)
    assert metrics.coverage(f) is None          # public revenue needs both parts
    assert metrics.total_margin(f) is None      # and so does total revenue
    assert metrics.days_cash(f) is None
    assert metrics.philanthropic_dependence(f) == F(1, 5)
    assert metrics.percent(None) == "undetermined"


def test_a_negative_margin():
    f = year(public=700, phil=100, other=0, total=1000)   # (800 - 1000) / 800 = -25%
    assert metrics.total_margin(f) == F(-1, 4)
    assert metrics.rate_total_margin(F(-1, 4)) is Rating.falls_far_below
    assert metrics.rate_total_margin(F(-1, 20)) is Rating.does_not_meet


# ---- the ratings at their edges ---------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    (F(70, 100), Rating.meets), (F(6999, 10000), Rating.does_not_meet),
    (F(60, 100), Rating.does_not_meet), (F(5999, 10000), Rating.falls_far_below), (None, Rating.undetermined)])
def test_coverage_against_year_1_glide_path(value, expected):
    assert metrics.rate_coverage(value, metrics.glide_target(GLIDE, 1)) is expected


@pytest.mark.parametrize("value,expected", [
    (F(95, 100), Rating.meets), (F(9499, 10000), Rating.does_not_meet), (F(85, 100), Rating.does_not_meet),
    (F(8499, 10000), Rating.falls_far_below)])
def test_enrollment_variance_edges(value, expected):
    assert metrics.rate_enrollment_variance(value) is expected


@pytest.mark.parametrize("value,year_,expected", [
    (F(30), 1, Rating.meets), (F(30), 2, Rating.meets), (F(30), 3, Rating.does_not_meet),
    (F(60), 3, Rating.meets), (F(5999, 100), 4, Rating.does_not_meet), (F(15), 4, Rating.does_not_meet),
    (F(1499, 100), 1, Rating.falls_far_below)])
def test_days_cash_edges_by_year(value, year_, expected):
    assert metrics.rate_days_cash(value, year_) is expected


def test_days_cash_exactly_sixty_by_the_formula():
    # 60 days: cash = expenses * 60 / 365; 365 expenses, 60 cash.
    f = year(3, total=365, cash=60)
    assert metrics.days_cash(f) == 60 and metrics.year_metrics(f, GLIDE).days_cash.rating is Rating.meets


@pytest.mark.parametrize("value,expected", [
    (F(11, 10), Rating.meets), (F(109, 100), Rating.does_not_meet), (F(9, 10), Rating.does_not_meet),
    (F(89, 100), Rating.falls_far_below)])
def test_current_ratio_edges(value, expected):
    assert metrics.rate_current_ratio(value) is expected


@pytest.mark.parametrize("value,expected", [
    (F(0), Rating.meets), (F(-1, 1000), Rating.does_not_meet), (F(-10, 100), Rating.does_not_meet),
    (F(-101, 1000), Rating.falls_far_below)])
def test_total_margin_edges(value, expected):
    assert metrics.rate_total_margin(value) is expected


def test_a_configured_glide_path_moves_the_coverage_rating():
    f = with_coverage(2, 80)
    assert metrics.year_metrics(f, GLIDE).coverage.rating is Rating.meets
    assert metrics.year_metrics(f, (70, 85, 90, 100)).coverage.rating is Rating.does_not_meet


# ---- academic outcomes --------------------------------------------------------------------------

def test_academic_outcomes_against_their_targets():
    f = year(math_growth=F(3, 2), ela_growth=F(149, 100), college_ready=None)
    math, ela, ready = metrics.academic_outcomes(f)
    assert (math.met, ela.met, ready.met) == (True, False, None)
    assert metrics.academic_outcomes(year(college_ready=F(4, 5)))[2].met is True


# ---- the trajectory -----------------------------------------------------------------------------

def test_no_verified_year_is_undetermined():
    assert metrics.trajectory([], GLIDE).status is Status.undetermined
    # A year without a coverage figure (no expenses) does not count either.
    assert metrics.trajectory([year(opex=0)], GLIDE).status is Status.undetermined


def test_one_year_only_has_no_projection_and_follows_the_latest_coverage():
    for percent, status in ((70, Status.on_track), (65, Status.at_risk), (59, Status.off_track)):
        t = metrics.trajectory([with_coverage(1, percent)], GLIDE)
        assert t.status is status and t.projected is None
        assert "no trend yet" in t.why


def test_the_issue_example_is_at_risk():
    """Years 1-2 at 70% and 78%: slope 8 points a year, year 4 at 94%; 78% is below year 2's 80%
    but within 10 points, and 94% is at or above 90%: at risk."""
    t = metrics.trajectory([with_coverage(1, 70), with_coverage(2, 78)], GLIDE)
    assert t.projected == F(94, 100)
    assert t.status is Status.at_risk
    assert t.why == "Coverage 78% in year 2, glide path 80%, projected 94% in year 4"


def test_on_track_needs_the_glide_path_and_a_projection_of_100():
    # 70, 80: slope 10, year 4 at 100% exactly: on track.
    assert metrics.trajectory([with_coverage(1, 70), with_coverage(2, 80)], GLIDE).status is Status.on_track
    # 72, 80: slope 8, year 4 at 96%: at the glide path but projected below 100: at risk.
    assert metrics.trajectory([with_coverage(1, 72), with_coverage(2, 80)], GLIDE).status is Status.at_risk


def test_off_track_by_the_projection_or_by_the_latest_year():
    # 80, 82: slope 2, year 4 at 86% < 90%: off track although year 2 is at the glide path.
    t = metrics.trajectory([with_coverage(1, 80), with_coverage(2, 82)], GLIDE)
    assert t.projected == F(86, 100) and t.status is Status.off_track
    # Year 2 at 69.99...: more than 10 points below 80: off track whatever the trend.
    t = metrics.trajectory([with_coverage(1, 40), year(2, public=6999, opex=10000, total=10000)], GLIDE)
    assert t.status is Status.off_track
    # Exactly 10 points below (70 in year 2) is not "more than": here projected 70 + 2*30 = 130 -> at risk.
    assert metrics.trajectory([with_coverage(1, 40), with_coverage(2, 70)], GLIDE).status is Status.at_risk


def test_least_squares_through_three_years_with_a_missing_year():
    """Years 1-3 at 60, 70, 86: mean x 2, mean y 72, slope ((-1)(-12) + (1)(14)) / 2 = 13 points a
    year, intercept 46, year 4 = 46 + 52 = 98 -> at risk (86 is 4 points under 90; 98 >= 90)."""
    t = metrics.trajectory([with_coverage(1, 60), with_coverage(2, 70), with_coverage(3, 86)], GLIDE)
    assert t.line == (F(13, 100), F(46, 100)) and t.projected == F(98, 100)
    assert t.status is Status.at_risk
    # A missing year 2: the line through (1, 60) and (3, 86): slope 13, same year-4 projection.
    t = metrics.trajectory([with_coverage(1, 60), with_coverage(3, 86)], GLIDE)
    assert t.projected == F(99, 100) and t.latest_year == 3


def test_year_four_verified_is_its_own_projection():
    t = metrics.trajectory([with_coverage(n, p) for n, p in ((1, 70), (2, 80), (3, 90), (4, 101))], GLIDE)
    assert t.projected == F(101, 100) and t.status is Status.on_track and "year 4 is reported" in t.why
    t = metrics.trajectory([with_coverage(n, p) for n, p in ((1, 90), (2, 95), (3, 99), (4, 95))], GLIDE)
    assert t.status is Status.at_risk  # 95 in year 4: 5 points below 100, projection 95 >= 90


def test_least_squares_needs_two_distinct_years():
    assert metrics.least_squares([(1, F(1))]) is None
    assert metrics.least_squares([]) is None


# ---- the portfolio ------------------------------------------------------------------------------

def test_market_share_against_the_coalition_targets():
    m = metrics.market_share(1_000, 44_900)
    assert m.share == F(1_000, 44_900)
    assert [reached for _, reached in m.targets] == [True, False, False]  # 2.2%: past 2%, short of 5%
    assert metrics.market_share(898, 44_900).targets[0][1] is True        # 898/44,900 is 2% exactly
    unset = metrics.market_share(1_000, None)
    assert unset.share is None and all(reached is None for _, reached in unset.targets)


def test_latest_enrollment_skips_a_year_without_a_count():
    assert metrics.latest_enrollment([year(1, actual=100), year(2, actual=None)]) == 100
    assert metrics.latest_enrollment([]) is None
