"""Demo data of review, registered with core.demo.seeder (safe to run twice). Runs after the
challenges seeder: each demo challenge gets a "Written review" round, open now, with the default
rubric and the demo reviewers, and a blind "Pitch night" after it for the applications advanced.
No assignments or reviews here (they come with the assignment demo)."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation, User
from incubator.challenges.demo import DEMO_SLUG, TRANSITION_SLUG
from incubator.challenges.models import Challenge
from incubator.core.demo import seeder
from incubator.core.timeutil import from_local, local, utcnow
from incubator.extensions import db
from incubator.reviews import rounds
from incubator.reviews.models import Assignment, ReviewRound
from incubator.reviews.states import RoundEntry

STAFF_EMAIL = "staff@example.org"
WRITTEN, PITCH = "Written review", "Pitch night"
WRITTEN_INSTRUCTIONS = ("Read each application in full before scoring. Score every criterion against its "
                        "descriptors, mark n/a only where a criterion truly does not apply, and explain your "
                        "scores in the comments: the team may read them, without your name.")
PITCH_INSTRUCTIONS = ("Teams present for ten minutes and answer questions for ten. Score after each pitch, "
                      "against the same criteria as the written review.")


def _at(day, hour: int, tz_name: str) -> datetime:
    return from_local(datetime.combine(day, time(hour, 0)), tz_name)


@seeder
def seed_review_rounds(org: Organisation) -> None:
    staff = db.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
    if staff is None:
        return
    for slug in (DEMO_SLUG, TRANSITION_SLUG):
        challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug,
                                                                 Challenge.organisation_id == org.id))
        if challenge is not None:
            _seed_challenge(challenge, staff)


def _seed_challenge(challenge: Challenge, staff: User) -> None:
    titles = set(db.session.scalars(sa.select(ReviewRound.title).where(ReviewRound.challenge_id == challenge.id)))
    tz = challenge.timezone
    today = local(utcnow(), tz).date()
    written_closes = _at(today + timedelta(days=14), 17, tz)
    if WRITTEN not in titles:
        rounds.create_round(challenge, rounds.RoundData(
            title=WRITTEN, instructions=WRITTEN_INSTRUCTIONS, opens_at=_at(today - timedelta(days=1), 9, tz),
            closes_at=written_closes, reviewers_per_application=2, max_load=None, is_blind=False,
            entry=RoundEntry.eligible, has_bids=False), actor=staff, rubric="default")
    if PITCH not in titles:
        pitch_day = today + timedelta(days=21)
        rounds.create_round(challenge, rounds.RoundData(
            title=PITCH, instructions=PITCH_INSTRUCTIONS, opens_at=_at(pitch_day, 17, tz),
            closes_at=_at(pitch_day + timedelta(days=2), 17, tz), reviewers_per_application=3, max_load=None,
            is_blind=True, entry=RoundEntry.advanced, has_bids=False), actor=staff, rubric="default")


# The demo's written round already under way: assigned automatically, Rae and Robin have submitted
# every review (Robin scores harder than Rae, so the normalised ranking differs from the raw one),
# and Reese has not started, so reviewer3@example.org can try the scoring form.
SUBMITTING = {"reviewer1@example.org": 0, "reviewer2@example.org": -1}
COMMENTS = ("A clear plan, tied to what families asked for.", "Promising, but the budget leans on grants.",
            "The team knows its neighborhood; the model needs more detail.")


@seeder
def seed_reviews(org: Organisation) -> None:
    staff = db.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL))
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == DEMO_SLUG,
                                                             Challenge.organisation_id == org.id))
    if staff is None or challenge is None:
        return
    written = db.session.scalar(sa.select(ReviewRound).where(ReviewRound.challenge_id == challenge.id,
                                                             ReviewRound.title == WRITTEN))
    if written is None or db.session.scalar(sa.select(sa.func.count()).select_from(Assignment).where(
            Assignment.round_id == written.id)):
        return
    from incubator.reviews import assignment, reviewing

    now = utcnow()
    assignment.apply(written, actor=staff, now=now, notify_reviewers=False)
    db.session.flush()
    for email, lean in SUBMITTING.items():
        reviewer = db.session.scalar(sa.select(User).where(User.email == email))
        mine = db.session.scalars(sa.select(Assignment).where(
            Assignment.round_id == written.id, Assignment.reviewer_id == reviewer.id).order_by(Assignment.id)).all()
        for n, item in enumerate(mine):
            item.declared_at = now
            form = {"overall_comment": COMMENTS[(item.application_id + n) % len(COMMENTS)],
                    "recommendation": ("yes", "maybe", "no")[(item.application_id + n) % 3]}
            for k, criterion in enumerate(written.criteria):
                point = 3 + lean + (item.application_id * 7 + k * 3) % 3 - 1
                form[f"score-{criterion.id}"] = str(max(criterion.scale_lo, min(criterion.scale_hi, point)))
                form[f"comment-{criterion.id}"] = "Strong evidence." if point >= 4 else ""
            reviewing.submit(item, form, actor=reviewer, now=now, version=item.version)
            db.session.flush()
