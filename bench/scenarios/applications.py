"""A team's full application: 20 answers and a four-year plan.

Pages: the application page, the edit form and the PDF download, as the lead.
The harness times pages, so the PDF *rendering* (the job's work; budget 150 ms) is
timed here directly, in seed(), and printed with the table's figures.
"""
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications import pdf
from incubator.applications.jobs import store_pdf
from incubator.applications.models import Answer, Application, FinancialYear, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db

NAME = "applications"
SIZE = 20  # answers
KINDS = [QuestionKind.long_text, QuestionKind.short_text, QuestionKind.number, QuestionKind.single_choice,
         QuestionKind.multiple_choice, QuestionKind.yes_no]
PARAGRAPH = ("Our learners keep a profile of their strengths, interests and goals; advisors and families "
             "review it every six weeks and plan the next steps together. ") * 6


def seed(size):
    org = seed_accounts()
    now = utcnow()
    lead = db.session.scalar(sa.select(User).filter_by(email="lead@example.org"))
    member = db.session.scalar(sa.select(User).filter_by(email="member@example.org"))
    challenge = Challenge(organisation=org, title="Bench Future of School Challenge", slug="bench-challenge",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=30))
    for n in range(size):
        kind = KINDS[n % len(KINDS)]
        challenge.questions.append(Question(
            position=n, kind=kind, label=f"Question {n + 1}: tell us about part {n + 1} of your design",
            is_required=True, word_limit=400 if kind == QuestionKind.long_text else None,
            choices=["Studios", "Advisories", "Internships", "Labs"] if "choice" in kind.value else None))
    team = Team(name="Bench Team")
    team.members += [TeamMember(user=lead, is_lead=True), TeamMember(user=member)]
    application = Application(
        team=team, challenge=challenge, school_name="Bayou Community School", grades="K-8", launch_year=2028,
        target_enrollment=320, neighbourhood="Mid-City", learner_profiles=PARAGRAPH, personal_learning_paths=PARAGRAPH,
        competency_based_progression=PARAGRAPH, flexible_learning_environments=PARAGRAPH,
        status=Status.submitted, submitted_at=now)
    for question in challenge.questions:
        value = {QuestionKind.long_text: {"text_value": PARAGRAPH}, QuestionKind.short_text: {"text_value": "Four founders"},
                 QuestionKind.number: {"number_value": Decimal(42)}, QuestionKind.single_choice: {"text_value": "Labs"},
                 QuestionKind.multiple_choice: {"choices_value": ["Studios", "Labs"]},
                 QuestionKind.yes_no: {"text_value": "yes"}}[question.kind]
        application.answers.append(Answer(question=question, **value))
    for year in (1, 2, 3, 4):
        application.financial_years.append(FinancialYear(
            year_number=year, enrollment=80 * year, per_pupil_revenue_cents=1_050_000,
            other_revenue_cents=15_000_000, operating_expenses_cents=110_000_000 + 75_000_000 * year))
    # A second team's draft with the same content, for the edit form.
    draft_team = Team(name="Bench Draft Team")
    draft_team.members += [TeamMember(user=lead, is_lead=True)]
    draft = Application(team=draft_team, challenge=challenge, school_name="Draft School")
    for answer in application.answers:
        draft.answers.append(Answer(question=answer.question, text_value=answer.text_value,
                                    number_value=answer.number_value, choices_value=answer.choices_value))
    for row in application.financial_years:
        draft.financial_years.append(FinancialYear(
            year_number=row.year_number, enrollment=row.enrollment, per_pupil_revenue_cents=row.per_pupil_revenue_cents,
            other_revenue_cents=row.other_revenue_cents, operating_expenses_cents=row.operating_expenses_cents))
    db.session.add_all([challenge, application, draft])
    db.session.flush()
    store_pdf(application)
    db.session.commit()
    _time_pdf_render(application.id)


def _time_pdf_render(application_id: int, repeat: int = 30) -> None:
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    pdf.render_application(application)  # warm-up: fonts and styles
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        content = pdf.render_application(application)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(f"[applications] PDF render, {len(application.answers)} answers + 4-year plan, {len(content) / 1024:.1f} KB: "
          f"median {statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times)) - 1]:.1f} ms "
          f"over {repeat} renders (budget 150 ms)", file=sys.stderr)


def requests():
    application_id = db.session.scalar(sa.select(Application.id).filter_by(status=Status.submitted))
    draft_id = db.session.scalar(sa.select(Application.id).filter_by(status=Status.draft))
    return [
        ("application page (20 answers)", "lead@example.org", f"/applications/{application_id}"),
        ("draft edit form (20 questions, plan)", "lead@example.org", f"/applications/{draft_id}/edit"),
        ("application PDF download", "lead@example.org", f"/applications/{application_id}/pdf"),
        ("application page as program staff", "staff@example.org", f"/applications/{application_id}"),
    ]
