"""A round's rubric: criteria checked, reordered, the default rubric's ten NGLC criteria, copies
between rounds of one organization only, and the lock once any reviewer saved a score."""
from decimal import Decimal

import pytest

from incubator.core.errors import NotFound, ValidationFailed
from incubator.extensions import db
from incubator.reviews import rubrics
from incubator.reviews.default_rubric import DEFAULT_RUBRIC
from incubator.reviews.models import CriterionScore
from incubator.reviews.states import ReviewStatus


def criterion(**values) -> rubrics.CriterionData:
    values.setdefault("title", "Equity")
    values.setdefault("descriptors", ["Poor", "Weak", "Fair", "Good", "Strong"])
    return rubrics.CriterionData(**values)


def test_the_default_rubric_has_the_ten_nglc_criteria_with_a_descriptor_per_point():
    assert [c.title for c in DEFAULT_RUBRIC] == [
        "Learning growth", "College readiness", "Learner profiles", "Personal learning paths", "Individual mastery",
        "Flexible learning environments", "Financial sustainability", "Scalability", "Team capacity",
        "Community engagement"]
    for c in DEFAULT_RUBRIC:
        assert (c.scale_lo, c.scale_hi) == (1, 5)
        assert len(c.descriptors) == 5 and all(d.strip() for d in c.descriptors)
        assert c.weight > 0 and c.guidance
        assert rubrics.check(rubrics.default_data()[DEFAULT_RUBRIC.index(c)]) == []
    by_title = {c.title: c for c in DEFAULT_RUBRIC}
    assert "1.5 years" in by_title["Learning growth"].guidance
    assert "80%" in by_title["College readiness"].guidance and by_title["College readiness"].allows_na
    assert "four years" in by_title["Financial sustainability"].guidance
    assert not by_title["Learning growth"].allows_na


def test_an_empty_rubric_takes_the_default_and_a_full_one_refuses_it(review_world, staff):
    review_round = review_world.round
    with pytest.raises(ValidationFailed, match="already has criteria"):
        rubrics.use_default(review_round, actor=staff)
    for c in list(review_round.criteria):
        rubrics.remove_criterion(c, actor=staff)
    rubrics.use_default(review_round, actor=staff)
    db.session.commit()
    assert [c.position for c in review_round.criteria] == list(range(1, 11))
    assert review_round.criteria[0].points[0] == (1, DEFAULT_RUBRIC[0].descriptors[0])


BAD = [
    (dict(title=""), "title"),
    (dict(title="x" * 201), "at most 200"),
    (dict(guidance="x" * 5001), "Guidance"),
    (dict(weight=Decimal(0)), "positive"),
    (dict(weight=Decimal(-1)), "positive"),
    (dict(weight=Decimal("NaN")), "positive"),
    (dict(weight=Decimal("1e9")), "positive"),
    (dict(weight=Decimal("0.0001")), "three decimal"),
    (dict(scale_lo=5, scale_hi=5), "above its bottom"),
    (dict(scale_lo=5, scale_hi=1), "above its bottom"),
    (dict(scale_lo=0, scale_hi=11, descriptors=["x"] * 12), "at most 11"),
    (dict(scale_lo=1, scale_hi=10**6), "whole numbers"),
    (dict(descriptors=["a", "b"]), "one descriptor per point"),
    (dict(descriptors=["a", "b", " ", "d", "e"]), "needs a descriptor"),
    (dict(descriptors=["x" * 501] * 5), "at most 500"),
]


@pytest.mark.parametrize("values, message", BAD, ids=[m + str(i) for i, (_, m) in enumerate(BAD)])
def test_a_bad_criterion_is_refused_and_nothing_changes(review_world, staff, values, message):
    with pytest.raises(ValidationFailed, match=message):
        rubrics.add_criterion(review_world.round, criterion(**values), actor=staff)
    db.session.rollback()
    assert len(review_world.round.criteria) == 3


def test_an_eleven_point_scale_with_a_fractional_weight_is_fine(review_world, staff):
    made = rubrics.add_criterion(review_world.round, criterion(scale_lo=0, scale_hi=10, descriptors=list("abcdefghijk"),
                                                              weight=Decimal("2.5"), allows_na=True), actor=staff)
    db.session.commit()
    assert made.position == 4 and made.weight == Decimal("2.5") and made.points[-1] == (10, "k")


def test_criteria_reorder(review_world, staff):
    review_round = review_world.round
    last = review_round.criteria[-1]
    rubrics.move_criterion(last, "up", actor=staff)
    db.session.commit()
    db.session.expire(review_round)
    assert [c.title for c in review_round.criteria] == ["Learning growth", "Team capacity", "Financial sustainability"]
    with pytest.raises(ValidationFailed, match="cannot move further"):
        rubrics.move_criterion(review_round.criteria[0], "up", actor=staff)
    with pytest.raises(ValidationFailed, match="cannot move further"):
        rubrics.move_criterion(review_round.criteria[0], "sideways", actor=staff)


def test_a_rubric_with_a_saved_score_is_locked(review_world, staff):
    review_round = review_world.round
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0], status=ReviewStatus.draft)
    db.session.add(CriterionScore(assignment=assignment, criterion=review_round.criteria[1], is_na=True))
    db.session.commit()
    assert rubrics.is_locked(review_round)
    first = review_round.criteria[0]
    attempts = [
        lambda: rubrics.add_criterion(review_round, criterion(), actor=staff),
        lambda: rubrics.update_criterion(first, criterion(title="Changed"), actor=staff),
        lambda: rubrics.remove_criterion(first, actor=staff),
        lambda: rubrics.move_criterion(first, "down", actor=staff),
        lambda: rubrics.copy_from(review_round, review_round, actor=staff),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationFailed, match="copy it into a new round instead"):
            attempt()
        db.session.rollback()
    assert [c.title for c in review_round.criteria] == ["Learning growth", "Financial sustainability", "Team capacity"]


def test_a_rubric_is_copied_from_a_round_of_another_challenge_of_the_organization(make_review_world, org, staff):
    source = make_review_world(org, staff).round
    target = make_review_world(org, staff, rubric=(("Only one", Decimal(1), 1, 3, False),)).round
    rubrics.copy_from(target, source, actor=staff)
    db.session.commit()
    assert [(c.title, c.weight, c.scale_lo, c.scale_hi, c.allows_na, c.descriptors) for c in target.criteria] == \
        [(c.title, c.weight, c.scale_lo, c.scale_hi, c.allows_na, c.descriptors) for c in source.criteria]
    assert {c.id for c in target.criteria}.isdisjoint({c.id for c in source.criteria})
    assert [rnd.id for rnd in rubrics.copy_sources(org.id, target.id)] == [source.id]


def test_a_rubric_is_never_copied_from_another_organization(make_review_world, org, staff, make_org):
    other = make_review_world(make_org("Elsewhere")).round
    target = make_review_world(org, staff).round
    with pytest.raises(NotFound):
        rubrics.copy_from(target, other, actor=staff)
    with pytest.raises(NotFound):
        rubrics.source_for(target, other.id)
    assert rubrics.copy_sources(org.id, target.id) == []
