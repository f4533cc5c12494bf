"""Krippendorff's alpha (interval) on published examples, and its plain-language reading."""
import math

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from incubator.reviews.reliability import Rating, alpha, alpha_of_table, interval_alpha, reading

N = math.nan


def test_alpha_on_krippendorffs_2011_example():
    # Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C: 4 observers x
    # 12 units with missing values. The paper gives alpha = 0.743 (nominal), 0.815 (ordinal),
    # 0.849 (interval) and 0.797 (ratio).
    table = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
             [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
             [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
             [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
    assert alpha_of_table(table) == pytest.approx(0.849, abs=5e-4)


def test_alpha_on_the_krippendorff_packages_documented_example():
    # The `krippendorff` package's docstring: 3 coders x 15 units, interval alpha 0.810845.
    table = [[N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
             [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
             [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4]]
    assert alpha_of_table(table) == pytest.approx(0.810845, abs=1e-6)


def test_alpha_from_ratings_matches_the_table():
    # The same 2011 data as (unit, coder, value) ratings, missing values left out or None.
    table = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
             [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
             [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
             [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
    ratings = [Rating(unit=100 + j, coder=7 + i, value=None if math.isnan(v) else v)
               for i, row in enumerate(table) for j, v in enumerate(row)]
    assert alpha(ratings) == pytest.approx(0.8491, abs=1e-4)


def test_perfect_agreement_is_1():
    assert alpha([Rating(1, 1, 20), Rating(1, 2, 20), Rating(2, 1, 80), Rating(2, 2, 80)]) == pytest.approx(1)


@pytest.mark.parametrize("ratings", [
    [],                                                  # nothing at all
    [Rating(1, 1, 50.0)],                                # one value
    [Rating(1, 1, 50.0), Rating(2, 2, 70.0)],            # no application with two reviews
    [Rating(1, 1, 50.0), Rating(1, 2, 50.0)],            # no variation
    [Rating(1, 1, None), Rating(1, 2, None)],            # every value n/a
])
def test_alpha_is_none_when_undefined(ratings):
    assert alpha(ratings) is None


@pytest.mark.parametrize("value, words", [
    (0.95, "Reviewers agree strongly"), (0.8, "Reviewers agree strongly"),
    (0.7, "Reviewers agree moderately"), (0.667, "Reviewers agree moderately"),
    (0.5, "Reviewers agree little"), (-0.2, "Reviewers agree little"),
    (None, "Not enough overlapping reviews to tell"),
])
def test_the_reading_follows_krippendorffs_thresholds(value, words):
    assert reading(value) == words


def _pairs(table):
    return [(unit, None if math.isnan(value) else value) for row in table for unit, value in enumerate(row)]


def test_the_closed_form_gives_the_papers_alpha():
    # The 2011 paper's table again: the closed form (used for review scores) must give 0.849 too.
    table = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
             [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
             [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
             [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]
    assert interval_alpha(_pairs(table)) == pytest.approx(0.8491071428571428)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))),
                         min_size=4, max_size=4), min_size=1, max_size=25))
def test_the_closed_form_agrees_with_the_krippendorff_package(units):
    # units x 4 reviewers with missing reviews; the package on the coders x units table is the reference.
    table = [[N if unit[coder] is None else unit[coder] for unit in units] for coder in range(4)]
    expected = alpha_of_table(table)
    got = interval_alpha(_pairs(table))
    if expected is None:  # nothing pairable, or no variation among the pairable values
        assert got is None
    else:
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-9)
