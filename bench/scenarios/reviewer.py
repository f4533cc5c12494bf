"""The reviewer's queue and scoring form: one reviewer with 50 assignments (40 in an open round,
10 in a blind one) of a challenge with 300 submitted applications, a 10-criterion rubric, half
of the reviews drafted with every criterion scored and commented (budget: median under 50 ms).

Run at two sizes to see that the SQL statements per page do not grow with the assignments:
`python -m bench -s reviewer --size 10` and `python -m bench -s reviewer`.
"""
from datetime import timedelta

import sqlalchemy as sa

from bench.scenarios._helpers import password_hash
from incubator.accounts.models import User
from incubator.applications.models import Answer, Application, FinancialYear, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, Criterion, CriterionScore, ReviewRound, RoundReviewer
from incubator.reviews.states import Recommendation, ReviewStatus

NAME = "reviewer"
SIZE = 50  # assignments of the one reviewer
APPLICATIONS = 300
CRITERIA = 10
REVIEWER = "reviewer1@example.org"


def seed(size):
    org = seed_accounts()
    now = utcnow()
    reviewer = db.session.scalar(sa.select(User).filter_by(email=REVIEWER))
    challenge = Challenge(organisation=org, title="Bench Review Challenge", slug="bench-review",
                          track=Track.new_school, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=10))
    for q in range(1, 9):
        challenge.questions.append(Question(position=q, kind=QuestionKind.long_text,
                                            label=f"Question {q} of the challenge"))
    rounds = []
    for position, (title, is_blind) in enumerate((("Written review", False), ("Blind review", True)), start=1):
        review_round = ReviewRound(challenge=challenge, position=position, title=title, is_blind=is_blind,
                                   opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=6 + position))
        for c in range(1, CRITERIA + 1):
            review_round.criteria.append(Criterion(
                position=c, title=f"Criterion {c}", guidance="What a strong application shows here. " * 3,
                weight=1 + c % 3, scale_lo=1, scale_hi=5, allows_na=c % 4 == 0,
                descriptors=[f"Point {v}: what this level of evidence looks like" for v in range(1, 6)]))
        review_round.reviewers.append(RoundReviewer(user=reviewer, list_declared_at=now))
        rounds.append(review_round)
    db.session.add_all([challenge, *rounds])
    db.session.flush()
    user_ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"blead{n:05d}@example.org", "name": f"Lead {n}", "password_hash": password_hash(),
         "is_admin": False, "is_deactivated": False, "email_confirmed_at": now, "created_at": now,
         "password_changed_at": now} for n in range(APPLICATIONS)]).all()
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True), [
        {"name": f"Review Team {n:04d}", "created_at": now} for n in range(APPLICATIONS)]).all()
    db.session.execute(sa.insert(TeamMember), [{"team_id": t, "user_id": u, "is_lead": True, "joined_at": now}
                                               for t, u in zip(team_ids, user_ids)])
    text = "Our design puts each learner's goals first, with mastery checks every six weeks. " * 12
    returning = sa.insert(Application).returning(Application.id, sort_by_parameter_order=True)
    application_ids = db.session.scalars(returning, [
        {"challenge_id": challenge.id, "team_id": t, "status": Status.eligible, "version": 1,
         "school_name": f"Review School {n:04d}", "grades": "K-8", "neighbourhood": "Treme", "launch_year": 2028,
         "target_enrollment": 400, "learner_profiles": text, "personal_learning_paths": text,
         "competency_based_progression": text, "flexible_learning_environments": text, "submitted_at": now,
         "screened_at": now, "created_at": now, "updated_at": now} for n, t in enumerate(team_ids)]).all()
    mine = application_ids[:size]
    db.session.execute(sa.insert(Answer), [{"application_id": a, "question_id": q.id, "text_value": text}
                                           for a in mine for q in challenge.questions])
    db.session.execute(sa.insert(FinancialYear), [
        {"application_id": a, "year_number": y, "enrollment": 100 * y, "per_pupil_revenue_cents": 1_000_000,
         "other_revenue_cents": 5_000_000, "operating_expenses_cents": 100_000_000 * y}
        for a in mine for y in (1, 2, 3, 4)])
    open_count = size * 4 // 5
    assignment_ids = db.session.scalars(sa.insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), [
        {"round_id": (rounds[0] if n < open_count else rounds[1]).id, "application_id": a, "reviewer_id": reviewer.id,
         "assigned_at": now, "declared_at": now, "version": 2 if n % 2 else 1, "overall_comment": "",
         "status": ReviewStatus.draft if n % 2 else ReviewStatus.not_started,
         "recommendation": Recommendation.maybe if n % 2 else None, "score": 62.5 if n % 2 else None,
         "updated_at": now if n % 2 else None} for n, a in enumerate(mine)]).all()
    criteria = {r.id: [c.id for c in r.criteria] for r in rounds}
    db.session.execute(sa.insert(CriterionScore), [
        {"assignment_id": assignment_id, "criterion_id": c, "value": 1 + (n + i) % 5, "is_na": False,
         "comment": "A specific note on this criterion. " * 4}
        for n, assignment_id in enumerate(assignment_ids) if n % 2
        for i, c in enumerate(criteria[(rounds[0] if n < open_count else rounds[1]).id])])
    db.session.commit()


def requests():
    rounds = {r.title: r.id for r in db.session.scalars(sa.select(ReviewRound))}
    draft = db.session.scalar(sa.select(Assignment.id).where(Assignment.round_id == rounds["Written review"],
                                                             Assignment.status == ReviewStatus.draft).limit(1))
    fresh = db.session.scalar(sa.select(Assignment.id).where(Assignment.round_id == rounds["Written review"],
                                                             Assignment.status == ReviewStatus.not_started).limit(1))
    blind = db.session.scalar(sa.select(Assignment.id).where(Assignment.round_id == rounds["Blind review"],
                                                             Assignment.status == ReviewStatus.draft).limit(1))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))
    return [
        (f"reviewer queue ({count} assignments, 2 rounds)", REVIEWER, "/reviews/queue"),
        ("scoring form: a draft (10 criteria scored)", REVIEWER, f"/reviews/assignments/{draft}"),
        ("scoring form: not started", REVIEWER, f"/reviews/assignments/{fresh}"),
        ("scoring form: blind round draft", REVIEWER, f"/reviews/assignments/{blind}"),
        ("scoring form as program staff", "staff@example.org", f"/reviews/assignments/{draft}"),
        ("reviewer dashboard (reviews panel)", REVIEWER, "/dashboard"),
    ]
