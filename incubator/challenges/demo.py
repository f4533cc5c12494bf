"""Demo data of this domain, registered with core.demo.seeder (must be safe to run twice)."""
from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core import audit
from incubator.core.demo import seeder
from incubator.core.timeutil import from_local, local, utcnow
from incubator.extensions import db

DEMO_SLUG = "nola-future-of-school"
SUMMARY = """\
New Orleans needs more great public schools designed **with** the families they serve.

The *Future of School Challenge* invites design teams to propose a new school built on
personalized learning: learner profiles, personal learning paths, competency-based
progression and flexible learning environments.

- Up to **three teams** enter a six-month incubation.
- Each receives a **$100,000 planning grant**.
- Teams may go on to apply for a charter.

Read more about personalized learning at [NGLC](https://www.nextgenlearning.org/).
"""
QUESTIONS = [
    dict(kind=QuestionKind.long_text, label="Why does New Orleans need this school?", word_limit=300, is_required=True,
         help_text="Describe the students and families you will serve and the need you see."),
    dict(kind=QuestionKind.single_choice, label="Which stage is your design in?", is_required=True,
         choices=["Idea", "Early design", "Prototype tested", "Ready to launch"]),
    dict(kind=QuestionKind.multiple_choice, label="Which community groups have you engaged so far?",
         choices=["Students", "Parents", "Teachers", "School leaders", "Neighborhood organizations"]),
    dict(kind=QuestionKind.number, label="How many full-time founding staff do you plan for year one?",
         min_value=Decimal(1), max_value=Decimal(200), is_required=True),
    dict(kind=QuestionKind.yes_no, label="Has a member of your team led a school before?", is_required=True),
    dict(kind=QuestionKind.file, label="Upload a one-page school model diagram (PDF).",
         help_text="Optional. A PDF of at most 20 MB."),
]


TRANSITION_SLUG = "nola-school-transition"
TRANSITION_SUMMARY = """\
Planning grants for **existing** New Orleans public schools that want to move to personalized
learning: learner profiles, personal learning paths and competency-based progression.

- Up to **two schools** receive a **$100,000 planning grant** for the school year of their transition.
"""
TRANSITION_QUESTIONS = [
    dict(kind=QuestionKind.long_text, label="What will change for students in the first year of the transition?",
         word_limit=300, is_required=True),
    dict(kind=QuestionKind.yes_no, label="Has your school board approved the transition plan?", is_required=True),
]


def _five_pm(day, tz_name: str) -> datetime:
    return from_local(datetime.combine(day, time(17, 0)), tz_name)


@seeder
def seed_challenges(org: Organisation) -> None:
    _seed_transition_challenge(org)
    if db.session.scalar(sa.select(Challenge.id).where(Challenge.slug == DEMO_SLUG)) is not None:
        return
    now = utcnow()
    today = local(now, org.timezone).date()
    challenge = Challenge(
        organisation=org, title="New Orleans Future of School Challenge", slug=DEMO_SLUG, track=Track.new_school,
        status=ChallengeStatus.published,
        summary_md=SUMMARY, opens_at=_five_pm(today - timedelta(days=7), org.timezone),
        closes_at=_five_pm(today + timedelta(days=30), org.timezone), slots=3,
        grant_pool_cents=30_000_000, planning_grant_cents=10_000_000,
    )
    db.session.add(challenge)
    for position, values in enumerate(QUESTIONS, start=1):
        challenge.questions.append(Question(position=position, **values))
    db.session.flush()
    audit.record(None, "challenge.created", challenge, slug=DEMO_SLUG, source="demo")


def _seed_transition_challenge(org: Organisation) -> None:
    """An open school_transition challenge that requires three of the four model elements."""
    if db.session.scalar(sa.select(Challenge.id).where(Challenge.slug == TRANSITION_SLUG)) is not None:
        return
    today = local(utcnow(), org.timezone).date()
    challenge = Challenge(
        organisation=org, title="New Orleans School Transition Grants", slug=TRANSITION_SLUG,
        track=Track.school_transition, status=ChallengeStatus.published, summary_md=TRANSITION_SUMMARY,
        opens_at=_five_pm(today - timedelta(days=14), org.timezone),
        closes_at=_five_pm(today + timedelta(days=21), org.timezone), slots=2,
        grant_pool_cents=20_000_000, planning_grant_cents=10_000_000,
        required_elements=["learner_profiles", "personal_learning_paths", "competency_based_progression"],
    )
    db.session.add(challenge)
    for position, values in enumerate(TRANSITION_QUESTIONS, start=1):
        challenge.questions.append(Question(position=position, **values))
    db.session.flush()
    audit.record(None, "challenge.created", challenge, slug=TRANSITION_SLUG, source="demo")
