"""Helpers of the scoring tests: a declared assignment and a filled-in review form."""
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import RoundReviewer


def declared(world, application, reviewer):
    """An assignment whose reviewer has confirmed "no conflict" (and, in a blind round, the list)."""
    now = utcnow()
    if world.round.is_blind:
        for pool in db.session.scalars(db.select(RoundReviewer).filter_by(round_id=world.round.id,
                                                                          user_id=reviewer.id)):
            pool.list_declared_at = now
    return world.assign(application, reviewer, declared_at=now)


def review_form(world, assignment, values=("4", "na", "2"), comments=("", "", ""), recommendation="yes",
                overall="", action="save", version=None) -> dict:
    """The scoring form: values in rubric order ("" for none, "na" for n/a)."""
    data = {"action": action, "version": str(assignment.version if version is None else version),
            "recommendation": recommendation, "overall_comment": overall}
    for criterion, value, comment in zip(world.round.criteria, values, comments):
        data[f"score-{criterion.id}"] = value
        data[f"comment-{criterion.id}"] = comment
    return data
