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
from incubator.reviews.models import ReviewRound
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
