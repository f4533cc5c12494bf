"""Automatic reviewer assignment: 2,000 applications x 3 reviewers from a pool of 100, with 5%
of the pairs conflicted (stored conflicts, as staff or the automatic detection left them).

The figure is the proposal straight from the database: load the entrants, the pool, the
profiles, the existing assignments and conflicts, run the automatic conflict detection over
entrants x pool (200,000 pairs), then the min-cost flow (`assignment.preview`; budget 5 s).
The pages are the preview (the same work, plus the page) and the assignments overview.

`python -m bench -s review-assignment` (`--size` sets the number of applications).
"""
import random
import statistics
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.scenarios._helpers import password_hash
from incubator.accounts.models import Membership, Role, User
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Conflict, Criterion, ReviewerProfile, ReviewRound, RoundReviewer
from incubator.reviews.states import ConflictSource

NAME = "review-assignment"
SIZE = 2_000       # applications
REVIEWERS = 100
K = 3
CONFLICT_SHARE = 0.05
NEIGHBOURHOODS = ("Treme", "Bywater", "Gentilly", "Algiers", "Mid-City", "Lakeview", "Marigny", "Uptown")
GRADES = ("K-5", "6-8", "9-12", "K-8", "PK-3")
EXPERTISE = ("track:new_school", "grades:elementary", "grades:middle", "grades:high", "element:learner_profiles",
             "element:personal_learning_paths", "neighbourhood:treme", "neighbourhood:gentilly")


def seed(size):
    org = seed_accounts()
    now = utcnow()
    rng = random.Random(8)
    challenge = Challenge(organisation=org, title="Bench Review Challenge", slug="bench-review", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=40),
                          closes_at=now - timedelta(days=10))
    db.session.add(challenge)
    db.session.flush()
    leads = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"lead{n:05d}@team{n:05d}.org", "name": f"Lead {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": False, "email_confirmed_at": now, "created_at": now,
         "password_changed_at": now} for n in range(size)]).all()
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Design Team {n:05d}", "created_at": now} for n in range(size)]).all()
    db.session.execute(sa.insert(TeamMember), [{"team_id": t, "user_id": u, "is_lead": True, "joined_at": now}
                                               for t, u in zip(team_ids, leads)])
    application_ids = db.session.scalars(sa.insert(Application).returning(Application.id, sort_by_parameter_order=True), [
        {"challenge_id": challenge.id, "team_id": t, "status": Status.eligible, "version": 1,
         "school_name": f"School {n:05d}", "grades": GRADES[n % len(GRADES)],
         "neighbourhood": NEIGHBOURHOODS[n % len(NEIGHBOURHOODS)],
         "learner_profiles": "Every learner has a profile." if n % 2 else "",
         "personal_learning_paths": "Paths set each week." if n % 3 else "",
         "submitted_at": now - timedelta(days=11), "screened_at": now - timedelta(days=5),
         "created_at": now, "updated_at": now} for n, t in enumerate(team_ids)]).all()
    reviewers = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"reviewer{n:03d}@reviewers{n:03d}.org", "name": f"Reviewer {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": False, "email_confirmed_at": now, "created_at": now,
         "password_changed_at": now} for n in range(REVIEWERS)]).all()
    db.session.execute(sa.insert(Membership), [{"user_id": r, "organisation_id": org.id, "role": Role.reviewer,
                                                "created_at": now} for r in reviewers])
    db.session.execute(sa.insert(ReviewerProfile), [
        {"user_id": r, "expertise": rng.sample(EXPERTISE, 3), "ties": f"Someone Else {n}\nfriends{n}.org",
         "updated_at": now} for n, r in enumerate(reviewers)])
    review_round = ReviewRound(challenge_id=challenge.id, title="Written review", opens_at=now - timedelta(days=1),
                               closes_at=now + timedelta(days=14), reviewers_per_application=K)
    review_round.criteria.append(Criterion(position=1, title="Learning growth", descriptors=list("12345")))
    db.session.add(review_round)
    db.session.flush()
    db.session.execute(sa.insert(RoundReviewer), [{"round_id": review_round.id, "user_id": r, "added_at": now}
                                                  for r in reviewers])
    conflicts = [{"application_id": a, "reviewer_id": r, "source": ConflictSource.staff, "note": "", "created_at": now}
                 for a in application_ids for r in reviewers if rng.random() < CONFLICT_SHARE]
    for start in range(0, len(conflicts), 10_000):
        db.session.execute(sa.insert(Conflict), conflicts[start:start + 10_000])
    db.session.commit()


def _round() -> ReviewRound:
    return db.session.scalar(sa.select(ReviewRound).join(Challenge).where(Challenge.slug == "bench-review"))


def figures(size):
    from incubator.reviews import assignment

    times, plan = [], None
    for _ in range(5):
        db.session.remove()
        started = time.perf_counter()
        proposal = assignment.preview(_round(), now=utcnow())
        times.append(time.perf_counter() - started)
        plan = proposal.plan
        db.session.rollback()
    loads = list(plan.loads_after.values())
    print(f"[{NAME}] preview: {len(plan.pairs):,} pairs, unmet {sum(plan.unmet.values())}, "
          f"{plan.conflicts_avoided:,} conflicts avoided, loads {min(loads)}..{max(loads)}; "
          f"times {', '.join(f'{t:.2f}' for t in times)} s", file=sys.stderr)
    db.session.remove()
    started = time.perf_counter()
    staff = db.session.scalar(sa.select(User).filter_by(email="staff@example.org"))
    applied = assignment.apply(_round(), actor=staff, now=utcnow())
    db.session.commit()
    apply_time = time.perf_counter() - started
    again = assignment.preview(_round(), now=utcnow())
    db.session.rollback()
    # Back to no assignments, so the pages below time the whole proposal again.
    from incubator.core.mail import OutboxMessage
    from incubator.reviews.models import Assignment

    db.session.execute(sa.delete(Assignment))
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    return [
        (f"automatic assignment, {size:,} x {K} from {REVIEWERS} (detect + solve from the database), median of 5",
         f"{statistics.median(times):.2f} s", "under 5 s"),
        (f"apply it: {len(applied.plan.pairs):,} assignments inserted, {REVIEWERS} mails queued, committed",
         f"{apply_time:.2f} s", "-"),
        ("a second preview after applying (nothing left to add)", f"{len(again.plan.pairs)} new pairs", "0"),
    ]


def requests():
    round_id = _round().id
    return [
        ("assignment preview page (detect + solve + page)", "staff@example.org",
         f"/reviews/rounds/{round_id}/assignments/preview"),
        ("assignments overview, first page", "staff@example.org", f"/reviews/rounds/{round_id}/assignments"),
        ("assignments overview, under k", "staff@example.org", f"/reviews/rounds/{round_id}/assignments?filter=under"),
    ]
