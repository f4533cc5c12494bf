"""Rounds of a challenge: created in order with the organization's reviewers in the pool, settings
checked, the first round cannot take "advanced" applications, deletion refused once scored or
decided, and the pool's additions, removals and own maximums."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.errors import ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import rounds
from incubator.reviews.models import Assignment, CriterionScore, Decision, ReviewRound
from incubator.reviews.states import Outcome, Recommendation, ReviewStatus, RoundEntry


def data(**values) -> rounds.RoundData:
    now = utcnow()
    values.setdefault("title", "Pitch night")
    values.setdefault("opens_at", now + timedelta(days=10))
    values.setdefault("closes_at", now + timedelta(days=12))
    return rounds.RoundData(**values)


def test_a_new_round_comes_last_with_every_reviewer_of_the_organization_in_its_pool(review_world, staff, make_user,
                                                                                   grant_role, make_org):
    late = grant_role(make_user("late@reviewers.org", name="Late Reviewer"), review_world.challenge.organisation,
                      Role.reviewer)
    grant_role(make_user("elsewhere@reviewers.org"), make_org("Elsewhere"), Role.reviewer)
    made = rounds.create_round(review_world.challenge, data(entry=RoundEntry.advanced), actor=staff)
    db.session.commit()
    assert made.position == 2
    assert {r.user_id for r in made.reviewers} == {u.id for u in review_world.reviewers} | {late.id}
    assert len(made.criteria) == 10  # the default rubric


@pytest.mark.parametrize("rubric, count", [("default", 10), ("empty", 0)])
def test_the_rubric_starts_as_staff_chose(review_world, staff, rubric, count):
    made = rounds.create_round(review_world.challenge, data(), actor=staff, rubric=rubric)
    assert len(made.criteria) == count


def test_a_round_can_start_with_a_copy_of_another_rounds_rubric(review_world, staff):
    made = rounds.create_round(review_world.challenge, data(), actor=staff, rubric="copy",
                               copy_source=review_world.round)
    assert [c.title for c in made.criteria] == [c.title for c in review_world.round.criteria]


BAD = [
    (dict(title=""), "title"),
    (dict(title="x" * 201), "at most 200"),
    (dict(instructions="x" * 20_001), "Instructions"),
    (dict(reviewers_per_application=0), "between 1 and 50"),
    (dict(reviewers_per_application=51), "between 1 and 50"),
    (dict(max_load=0), "maximum load"),
    (dict(max_load=10**9), "maximum load"),
    (dict(entry="everyone"), "which applications"),
]


@pytest.mark.parametrize("values, message", BAD, ids=[m for _, m in BAD])
def test_bad_settings_are_refused_and_nothing_is_saved(review_world, staff, values, message):
    with pytest.raises(ValidationFailed, match=message):
        rounds.create_round(review_world.challenge, data(**values), actor=staff)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewRound)) == 1


def test_a_round_that_closes_before_it_opens_is_refused(review_world, staff):
    now = utcnow()
    with pytest.raises(ValidationFailed, match="closing time must be after"):
        rounds.create_round(review_world.challenge, data(opens_at=now, closes_at=now), actor=staff)


def test_the_first_round_of_a_challenge_cannot_take_advanced_applications(make_review_world, org, staff):
    world = make_review_world(org, staff)
    with pytest.raises(ValidationFailed, match="first round"):
        rounds.update_round(world.round, data(entry=RoundEntry.advanced), actor=staff)
    db.session.delete(world.round)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="first round"):
        rounds.create_round(world.challenge, data(entry=RoundEntry.advanced), actor=staff)


def test_an_advanced_round_cannot_move_first(review_world, staff):
    second = rounds.create_round(review_world.challenge, data(entry=RoundEntry.advanced), actor=staff)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="cannot come first"):
        rounds.move_round(second, "up", actor=staff)
    db.session.rollback()
    assert [r.title for r in rounds.rounds_of(review_world.challenge)] == ["Written review", "Pitch night"]


def test_rounds_move_in_order(review_world, staff):
    second = rounds.create_round(review_world.challenge, data(), actor=staff)
    rounds.move_round(second, "up", actor=staff)
    db.session.commit()
    assert [r.title for r in rounds.rounds_of(review_world.challenge)] == ["Pitch night", "Written review"]
    with pytest.raises(ValidationFailed, match="cannot move further"):
        rounds.move_round(second, "up", actor=staff)


def test_editing_records_what_changed(review_world, staff):
    review_round = review_world.round
    changed = rounds.update_round(review_round, data(title="Written review", opens_at=review_round.opens_at,
                                                     closes_at=review_round.closes_at, reviewers_per_application=3,
                                                     max_load=review_round.max_load), actor=staff)
    assert changed == ["reviewers_per_application"]
    assert review_round.reviewers_per_application == 3


def test_blind_mode_cannot_change_once_reviewers_opened_applications(review_world, staff):
    review_world.assign(review_world.applications[0], review_world.reviewers[0], declared_at=utcnow())
    review_round = review_world.round
    with pytest.raises(ValidationFailed, match="blind mode"):
        rounds.update_round(review_round, data(title=review_round.title, is_blind=True), actor=staff)


def _score(world) -> Assignment:
    assignment = world.assign(world.applications[0], world.reviewers[0], status=ReviewStatus.draft)
    db.session.add(CriterionScore(assignment=assignment, criterion=world.round.criteria[0], value=3))
    db.session.commit()
    return assignment


def test_a_round_with_a_saved_score_cannot_be_deleted(review_world, staff):
    _score(review_world)
    with pytest.raises(ValidationFailed, match="saved scores"):
        rounds.delete_round(review_world.round, actor=staff)


def test_a_round_with_a_decision_cannot_be_deleted(review_world, staff):
    db.session.add(Decision(round=review_world.round, application=review_world.applications[0],
                            outcome=Outcome.advance, rationale="Strong"))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="Decisions"):
        rounds.delete_round(review_world.round, actor=staff)


def test_deleting_an_unscored_round_removes_it_and_its_assignments_and_renumbers(review_world, staff):
    second = rounds.create_round(review_world.challenge, data(), actor=staff)
    review_world.assign(review_world.applications[0], review_world.reviewers[0])
    rounds.delete_round(review_world.round, actor=staff)
    db.session.commit()
    assert rounds.rounds_of(review_world.challenge) == [second] and second.position == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_removing_a_reviewer_removes_only_their_unsubmitted_assignments(review_world, staff):
    world, reviewer = review_world, review_world.reviewers[0]
    world.assign(world.applications[0], reviewer)
    draft = world.assign(world.applications[1], reviewer, status=ReviewStatus.draft)
    db.session.add(CriterionScore(assignment=draft, criterion=world.round.criteria[0], value=3))
    world.assign(world.applications[2], reviewer, status=ReviewStatus.submitted, submitted_at=utcnow(),
                 recommendation=Recommendation.yes, score=80)
    world.assign(world.applications[0], world.reviewers[1])
    assert rounds.remove_reviewer(world.round, reviewer.id, actor=staff) == 2
    db.session.commit()
    left = db.session.execute(sa.select(Assignment.reviewer_id, Assignment.status)).all()
    assert sorted(left) == sorted([(reviewer.id, ReviewStatus.submitted), (world.reviewers[1].id, ReviewStatus.not_started)])
    assert reviewer.id not in {r.user_id for r in world.round.reviewers}


def test_only_reviewers_of_the_organization_join_the_pool_and_only_once(review_world, staff, make_user):
    outsider = make_user("not-a-reviewer@example.org")
    with pytest.raises(ValidationFailed, match="Only reviewers"):
        rounds.add_reviewer(review_world.round, outsider, actor=staff)
    with pytest.raises(ValidationFailed, match="already in the pool"):
        rounds.add_reviewer(review_world.round, review_world.reviewers[0], actor=staff)


def test_a_reviewer_gets_their_own_maximum(review_world, staff):
    reviewer = review_world.reviewers[0]
    rounds.set_own_max(review_world.round, reviewer.id, 0, actor=staff)
    assert rounds.member(review_world.round, reviewer.id).max_load == 0
    rounds.set_own_max(review_world.round, reviewer.id, None, actor=staff)
    assert rounds.member(review_world.round, reviewer.id).max_load is None
    with pytest.raises(ValidationFailed):
        rounds.set_own_max(review_world.round, reviewer.id, -1, actor=staff)


def test_which_applications_enter_cannot_change_once_some_are_assigned(review_world, staff):
    second = rounds.create_round(review_world.challenge, data(entry=RoundEntry.advanced), actor=staff)
    db.session.add(Assignment(round=second, application=review_world.applications[0],
                              reviewer=review_world.reviewers[0]))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="which applications enter"):
        rounds.update_round(second, data(entry=RoundEntry.eligible), actor=staff)


def test_the_round_before_an_advanced_round_cannot_be_deleted(review_world, staff):
    rounds.create_round(review_world.challenge, data(entry=RoundEntry.advanced), actor=staff)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="takes the applications advanced"):
        rounds.delete_round(review_world.round, actor=staff)
