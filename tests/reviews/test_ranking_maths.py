"""The maths of ranking (DESIGN.md section 3), checked against fixtures computed by hand.

Every expected figure has its arithmetic next to it, so a reader can redo it on paper.
"""
import math

import pytest

from incubator.reviews.scoring import CriterionScore, Review, median, pstdev, results, review_score

approx = pytest.approx


def rubric(*values):
    """The fixture rubric: weights 2, 1, 1 on scales 1-5, 1-5 and 0-3."""
    scales = ((2, 1, 5), (1, 1, 5), (1, 0, 3))
    return [CriterionScore(weight=w, lo=lo, hi=hi, value=v) for (w, lo, hi), v in zip(scales, values)]


# ---- a review's score ----

def test_a_review_score_weighs_each_criterion_and_leaves_na_out():
    # 4 on 1-5 -> (4-1)/4 = 0.75 (weight 2); n/a; 3 on 0-3 -> 1.0 (weight 1)
    # 100 * (2*0.75 + 1*1.0) / (2 + 1) = 100 * 2.5 / 3 = 83.333...
    assert review_score(rubric(4, None, 3)) == approx(250 / 3)


def test_na_never_counts_as_zero():
    # Counting the n/a as 0 would give 100 * (1.5 + 0 + 1) / 4 = 62.5; leaving it out gives 83.3.
    assert review_score(rubric(4, None, 3)) != approx(62.5)
    # With every criterion scored: 100 * (2*0.75 + 1*(2-1)/4 + 1*1.0) / 4 = 100 * 2.75 / 4 = 68.75
    assert review_score(rubric(4, 2, 3)) == approx(68.75)


def test_the_ends_of_the_scales_are_0_and_100():
    assert review_score(rubric(1, 1, 0)) == 0
    assert review_score(rubric(5, 5, 3)) == 100


def test_a_review_with_every_criterion_na_has_no_score():
    assert review_score(rubric(None, None, None)) is None


# ---- a round's results ----

def test_one_review():
    # One score, 60: round mean 60 and sd 0, so z = 0 and the normalised score is the mean, 60.
    result = results([Review(1, 10, 60.0)])[1]
    assert (result.count, result.raw, result.median, result.normalised) == (1, 60.0, 60.0, 60.0)
    assert result.disagreement is None  # one review cannot disagree with itself


def test_all_scores_equal():
    # Every score 70: the round's sd is 0, every z is 0, every normalised score 70; no disagreement.
    reviews = [Review(a, r, 70.0) for a in (1, 2) for r in (10, 11)]
    for result in results(reviews).values():
        assert (result.raw, result.normalised, result.disagreement) == (70.0, 70.0, 0.0)


def test_reviewers_with_two_reviews_use_the_round_baseline():
    # A: app 1 80, app 2 60. B: app 1 40, app 2 20. Neither has 3 reviews: both use the round's.
    # Round: mean (80+60+40+20)/4 = 50; sd sqrt((900+100+100+900)/4) = sqrt(500) = 22.36.
    # App 1: z = (30/22.36 + -10/22.36) / 2 = 10/22.36 -> 50 + 10 = 60 (= its raw mean, as it must
    # be when every reviewer shares the round's baseline). App 2: z = (10 - 30)/2/22.36 -> 40.
    out = results([Review(1, 1, 80.0), Review(2, 1, 60.0), Review(1, 2, 40.0), Review(2, 2, 20.0)])
    assert out[1].normalised == approx(60) and out[1].raw == approx(60)
    assert out[2].normalised == approx(40) and out[2].raw == approx(40)


def test_a_reviewer_with_three_varied_reviews_uses_their_own_baseline():
    # Harsh H: apps 1, 2, 3 scored 20, 30, 40 (mean 30, sd sqrt(200/3) = 8.165).
    # Lenient L: apps 4, 5, 6 scored 70, 80, 90 (mean 80, same sd).
    # Round: mean 55; deviations +-35, +-25, +-15 -> sd sqrt(4150/6) = sqrt(691.67) = 26.30.
    # Apps 1 and 4 are each their reviewer's lowest: z = -10 / 8.165 = -sqrt(1.5) = -1.2247,
    # normalised 55 - sqrt(1.5) * sqrt(691.67) = 55 - sqrt(1037.5) = 55 - 32.21 = 22.79.
    # Apps 2 and 5: z = 0 -> 55. Apps 3 and 6: 55 + 32.21 = 87.21.
    reviews = [Review(1, 1, 20.0), Review(2, 1, 30.0), Review(3, 1, 40.0),
               Review(4, 2, 70.0), Review(5, 2, 80.0), Review(6, 2, 90.0)]
    out = results(reviews)
    assert out[1].raw == 20 and out[4].raw == 70  # raw keeps the harshness...
    low, high = 55 - math.sqrt(1037.5), 55 + math.sqrt(1037.5)
    assert out[1].normalised == approx(low) and out[4].normalised == approx(low)  # ...normalised removes it
    assert out[2].normalised == approx(55) and out[5].normalised == approx(55)
    assert out[3].normalised == approx(high) and out[6].normalised == approx(high)
    assert low == approx(22.7898, abs=1e-4)


def test_a_reviewer_whose_three_reviews_are_equal_falls_back_to_the_round():
    # E: apps 1, 2, 3 all 60 (3 reviews but sd 0). X: app 1 90, app 2 10 (2 reviews).
    # Round: mean (60*3 + 90 + 10)/5 = 56; sd sqrt((3*16 + 34^2 + 46^2)/5) = sqrt(664) = 25.77.
    # Both use the round's baseline, so normalised = raw mean: app 1 (60+90)/2 = 75, app 2 35,
    # app 3 60. (Had E's own mean 60 been used, app 3 would come out at 56.)
    reviews = [Review(1, 1, 60.0), Review(2, 1, 60.0), Review(3, 1, 60.0), Review(1, 2, 90.0), Review(2, 2, 10.0)]
    out = results(reviews)
    assert out[1].normalised == approx(75)
    assert out[2].normalised == approx(35)
    assert out[3].normalised == approx(60)


def test_disagreement_is_the_sd_of_an_applications_review_scores():
    # Scores 10, 20, 60: mean 30; deviations -20, -10, 30 -> sqrt((400+100+900)/3) = sqrt(466.67) = 21.60
    out = results([Review(1, 1, 10.0), Review(1, 2, 20.0), Review(1, 3, 60.0), Review(2, 1, 80.0), Review(2, 2, 40.0)])
    assert out[1].disagreement == approx(math.sqrt(1400 / 3))
    assert out[2].disagreement == approx(20)  # 80 and 40: deviations +-20


def test_median_of_an_odd_and_an_even_number_of_reviews():
    assert median([60.0, 10.0, 20.0]) == 20            # 10, 20, 60 -> the middle one
    assert median([90.0, 10.0, 60.0, 20.0]) == 40      # 10, 20, 60, 90 -> (20 + 60) / 2
    out = results([Review(1, 1, 10.0), Review(1, 2, 20.0), Review(1, 3, 60.0), Review(1, 4, 90.0)])
    assert out[1].median == 40 and out[1].raw == 45     # mean (10+20+60+90)/4 = 45


def test_a_review_with_every_criterion_na_counts_nowhere():
    # App 2's only review was all n/a: no figures, and it leaves the round's baseline alone.
    out = results([Review(1, 1, 80.0), Review(2, 1, None)])
    assert (out[2].count, out[2].raw, out[2].normalised) == (0, None, None)
    assert out[1].count == 1 and out[1].normalised == 80


def test_an_empty_round_has_no_results_and_pstdev_of_nothing_is_none():
    assert results([]) == {}
    assert pstdev([]) is None


# ---- properties over random rounds ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

scores = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2))
rounds = st.lists(st.tuples(st.integers(1, 8), st.integers(1, 5), scores), min_size=1, max_size=40).map(
    lambda triples: list({(a, r): Review(a, r, s) for a, r, s in triples}.values()))  # one review per pair


@settings(max_examples=200, deadline=None)
@given(rounds)
def test_without_an_own_baseline_the_normalised_score_is_the_raw_mean(reviews):
    # Keep at most two reviews per reviewer: everyone uses the round's mean and sd, and
    # round_mean + mean((x - round_mean) / round_sd) * round_sd = mean(x).
    kept, seen = [], {}
    for review in reviews:
        if seen.get(review.reviewer_id, 0) < 2:
            kept.append(review)
            seen[review.reviewer_id] = seen.get(review.reviewer_id, 0) + 1
    for result in results(kept).values():
        assert result.normalised == approx(result.raw, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(rounds, st.floats(-50, 50, allow_nan=False))
def test_moving_every_score_by_a_constant_moves_the_figures_by_it(reviews, shift):
    before = results(reviews)
    after = results([Review(r.application_id, r.reviewer_id, r.score + shift) for r in reviews])
    for application_id, result in before.items():
        moved = after[application_id]
        assert moved.raw == approx(result.raw + shift, abs=1e-6)
        assert moved.median == approx(result.median + shift, abs=1e-6)
        assert moved.normalised == approx(result.normalised + shift, abs=1e-6)
        assert moved.disagreement == (None if result.disagreement is None else approx(result.disagreement, abs=1e-6))


def test_an_sd_of_floating_point_noise_counts_as_zero():
    # Found by the shift property: three reviews of 0.1 have a computed sd of 1.4e-17, not 0.
    # E: apps 1, 2, 3 all 0.1; X: app 1 10, app 2 90. E must fall back to the round's baseline,
    # so normalised = raw: app 1 (0.1 + 10)/2 = 5.05, app 2 45.05, app 3 0.1.
    # (Before the fix, E's "own" sd of 1.4e-17 put app 3 at -15.1.)
    assert pstdev([0.1, 0.1, 0.1]) > 0
    out = results([Review(1, 1, 0.1), Review(2, 1, 0.1), Review(3, 1, 0.1), Review(1, 2, 10.0), Review(2, 2, 90.0)])
    assert out[1].normalised == approx(5.05)
    assert out[2].normalised == approx(45.05)
    assert out[3].normalised == approx(0.1)
