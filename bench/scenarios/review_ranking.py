"""The staff ranking of a review round: 2,000 applications x 3 submitted reviews x 10 criteria
(6,000 reviews, 60,000 criterion scores) from 100 reviewers of varied harshness.

Pages: the ranking's first page (sorted by normalised score, and by another column, filtered),
the full unpaginated list (`?all=1`), the CSV, the round dashboard and one application's
reviews. The summary PDF is made by a job; its rendering is timed in seed() and printed.
Budget (DESIGN.md section 7): first page median under 150 ms, all rows under 600 ms, SQL
statements independent of the data size (compare `--size 100` with the default).
"""
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from bench.scenarios._helpers import password_hash
from incubator.accounts.models import Membership, Role, User
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import scoring
from incubator.reviews.models import Assignment, Criterion, CriterionScore, ReviewRound, RoundReviewer
from incubator.reviews.states import Recommendation, ReviewStatus

NAME = "review-ranking"
SIZE = 2_000  # applications
REVIEWERS, PER_APPLICATION, CRITERIA = 100, 3, 10


def _value(application: int, reviewer: int, criterion: int) -> int | None:
    """A point on 1..5: the application's quality, the reviewer's harshness, some noise; a few n/a."""
    if criterion == CRITERIA - 1 and (application + reviewer) % 9 == 0:
        return None
    quality = application % 5                  # 0..4
    harshness = reviewer % 3 - 1               # -1, 0, +1
    noise = (application * 7 + reviewer * 3 + criterion * 5) % 3 - 1
    return max(1, min(5, 1 + quality + harshness + noise // 2))


def seed(size):
    org = seed_accounts()
    now = utcnow()
    challenge = Challenge(organisation=org, title="Bench Review Challenge", slug="bench-review",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=20))
    review_round = ReviewRound(challenge=challenge, title="Written review", opens_at=now - timedelta(days=10),
                               closes_at=now + timedelta(days=5), reviewers_per_application=PER_APPLICATION)
    for c in range(CRITERIA):
        review_round.criteria.append(Criterion(
            position=c + 1, title=f"Criterion {c + 1}", weight=Decimal(1 + c % 3), scale_lo=1, scale_hi=5,
            allows_na=c == CRITERIA - 1, descriptors=[f"Point {p}" for p in range(1, 6)]))
    db.session.add_all([challenge, review_round])
    db.session.flush()
    reviewer_ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"rreviewer{n:04d}@example.org", "name": f"Reviewer {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": False, "email_confirmed_at": now, "created_at": now,
         "password_changed_at": now} for n in range(REVIEWERS)]).all()
    db.session.execute(sa.insert(Membership), [{"user_id": u, "organisation_id": org.id, "role": Role.reviewer}
                                               for u in reviewer_ids])
    db.session.execute(sa.insert(RoundReviewer), [{"round_id": review_round.id, "user_id": u, "added_at": now}
                                                  for u in reviewer_ids])
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Design Team {n:04d}", "created_at": now} for n in range(size)]).all()
    application_ids = db.session.scalars(
        sa.insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [{"challenge_id": challenge.id, "team_id": team_id, "status": Status.eligible, "version": 1,
          "school_name": f"School {t:04d}", "submitted_at": now - timedelta(days=25),
          "screened_at": now - timedelta(days=15), "created_at": now, "updated_at": now}
         for t, team_id in enumerate(team_ids)]).all()
    criteria = review_round.criteria
    assignments, values_of = [], []
    for t, application_id in enumerate(application_ids):
        for j in range(PER_APPLICATION):
            r = (t * PER_APPLICATION + j) % REVIEWERS
            values = [_value(t, r, c) for c in range(CRITERIA)]
            score = scoring.review_score([scoring.CriterionScore(c.weight, c.scale_lo, c.scale_hi, v)
                                          for c, v in zip(criteria, values)])
            assignments.append({
                "round_id": review_round.id, "application_id": application_id, "reviewer_id": reviewer_ids[r],
                "assigned_at": now, "declared_at": now, "status": ReviewStatus.submitted, "version": 2,
                "overall_comment": f"Review of school {t} by reviewer {r}.",
                "recommendation": (Recommendation.yes, Recommendation.maybe, Recommendation.no)[(t + r) % 3],
                "score": score, "updated_at": now, "submitted_at": now})
            values_of.append(values)
    assignment_ids = db.session.scalars(sa.insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True),
                                        assignments).all()
    rows = [{"assignment_id": a, "criterion_id": c.id, "value": v, "is_na": v is None, "comment": ""}
            for a, values in zip(assignment_ids, values_of) for c, v in zip(criteria, values)]
    for start in range(0, len(rows), 10_000):
        db.session.execute(sa.insert(CriterionScore), rows[start:start + 10_000])
    db.session.commit()
    _time_summary(review_round.id)


def _time_summary(round_id: int, repeat: int = 3) -> None:
    from incubator.reviews import ranking, ranking_jobs
    review_round = db.session.get(ReviewRound, round_id)
    times, content = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        content = ranking_jobs.summary_bytes(review_round)
        times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    ids = ranking.ranked_application_ids(review_round)
    ranked = (time.perf_counter() - started) * 1000
    print(f"[review-ranking] summary PDF ({len(ids)} rows, chart, agreement), {len(content) / 1024:.0f} KB: "
          f"median {statistics.median(times):.0f} ms over {repeat} renders (a job on the pdf queue); "
          f"ranked_application_ids {ranked:.0f} ms", file=sys.stderr)


def requests():
    round_id = db.session.scalar(sa.select(ReviewRound.id))
    application_id = db.session.scalar(sa.select(Application.id).order_by(Application.id))
    base = f"/reviews/rounds/{round_id}"
    return [
        ("ranking: first page (normalized)", "staff@example.org", f"{base}/ranking"),
        ("ranking: by disagreement", "staff@example.org", f"{base}/ranking?sort=disagreement"),
        ("ranking: filtered (search)", "staff@example.org", f"{base}/ranking?q=School+01"),
        ("ranking: all rows (?all=1)", "staff@example.org", f"{base}/ranking?all=1"),
        ("ranking CSV", "staff@example.org", f"{base}/ranking.csv"),
        ("round dashboard", "staff@example.org", f"{base}/dashboard"),
        ("agreement per criterion", "staff@example.org", f"{base}/agreement"),
        ("one application's reviews", "staff@example.org", f"{base}/applications/{application_id}"),
    ]
