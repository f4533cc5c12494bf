"""Program staff's applications list of one challenge: 10,000 submitted applications.

Run at two sizes to check that the SQL statements per page do not grow with the data:
`python -m bench -s challenges --size 100` and `python -m bench -s challenges`.
"""
from datetime import timedelta

import sqlalchemy as sa

from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.demo import DEMO_SLUG, seed_challenges
from incubator.challenges.models import Challenge
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db

NAME = "challenges"
SIZE = 10_000
STAFF = "staff@example.org"
# Submitted most, then screened; a few withdrawn after submitting, and drafts staff never see.
STATUSES = [Status.submitted] * 5 + [Status.eligible] * 2 + [Status.ineligible, Status.withdrawn, Status.draft]


def seed(size):
    org = seed_accounts()
    seed_challenges(org)
    challenge_id = db.session.scalar(sa.select(Challenge.id).where(Challenge.slug == DEMO_SLUG))
    now = utcnow()
    for start in range(0, size, 2000):
        numbers = range(start + 1, min(size, start + 2000) + 1)
        team_ids = db.session.scalars(
            sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
            [{"name": f"Design Team {n}", "created_at": now} for n in numbers]).all()
        rows = []
        for n, team_id in zip(numbers, team_ids):
            status = STATUSES[n % len(STATUSES)]
            rows.append({
                "challenge_id": challenge_id, "team_id": team_id, "status": status, "version": 1,
                "school_name": f"School {n:05d} of New Orleans", "grades": "K-8", "neighbourhood": "Treme",
                "launch_year": 2028, "target_enrollment": 400,
                "learner_profiles": "Every learner has a profile. " * 20,
                "submitted_at": None if status == Status.draft else now - timedelta(minutes=n),
                "withdrawn_at": now if status == Status.withdrawn else None,
                "screened_at": now if status in (Status.eligible, Status.ineligible) else None,
                "screening_reason": "Outside the parish." if status == Status.ineligible else None,
                "created_at": now, "updated_at": now,
            })
        db.session.execute(sa.insert(Application), rows)
    db.session.commit()


def requests():
    challenge_id = db.session.scalar(sa.select(Challenge.id).where(Challenge.slug == DEMO_SLUG))
    application_id = db.session.scalar(sa.select(sa.func.min(Application.id)).where(Application.status == Status.submitted))
    base = f"/challenges/{challenge_id}/applications"
    late = max(1, db.session.scalar(sa.select(sa.func.count(Application.id))) // 50 // 2)
    return [
        ("staff list: first page", STAFF, base),
        ("staff list: status eligible", STAFF, f"{base}?status=eligible"),
        ("staff list: search '00042'", STAFF, f"{base}?q=00042"),
        ("staff list: by school, late page", STAFF, f"{base}?sort=school&page={late}"),
        ("staff list: by status", STAFF, f"{base}?sort=status"),
        ("staff application detail", STAFF, f"{base}/{application_id}"),
        ("challenge manage page", STAFF, f"/challenges/{challenge_id}/manage"),
        ("public challenge list", None, "/challenges/"),
    ]
