"""Fixtures of the applications domain: challenges with one question of each kind,
teams, and applications, built directly from the models."""
from datetime import timedelta
from decimal import Decimal

import pytest

from incubator.applications.models import Answer, Application, FinancialYear, Team, TeamMember
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db

QUESTIONS = [
    (QuestionKind.short_text, "Who is on your founding team?", {}),
    (QuestionKind.long_text, "Why this neighbourhood?", {"word_limit": 10}),
    (QuestionKind.number, "How many families did you talk to?", {"min_value": Decimal(0), "max_value": Decimal(500)}),
    (QuestionKind.single_choice, "Which model fits best?", {"choices": ["Micro-school", "Lab school", "Network school"]}),
    (QuestionKind.multiple_choice, "Which partners are confirmed?", {"choices": ["University", "Museum", "Clinic"]}),
    (QuestionKind.yes_no, "Do you have a facility?", {}),
    (QuestionKind.file, "Budget workbook", {}),
]


@pytest.fixture
def make_challenge(org):
    counter = iter(range(1, 10**6))

    def make(*, organisation=None, opens_at=None, closes_at=None, questions=QUESTIONS, title=None,
             track=Track.new_school, **values):
        n = next(counter)
        now = utcnow()
        challenge = Challenge(organisation=organisation or org, title=title or f"Future of School Challenge {n}",
                              slug=f"future-{n}", track=track, **{"status": ChallengeStatus.published, **values},
                              opens_at=opens_at or now - timedelta(days=10), closes_at=closes_at or now + timedelta(days=10))
        for position, (kind, label, extra) in enumerate(questions):
            challenge.questions.append(Question(position=position, kind=kind, label=label, is_required=True, **extra))
        db.session.add(challenge)
        db.session.commit()
        return challenge

    return make


@pytest.fixture
def challenge(make_challenge):
    return make_challenge(title="New Orleans Future of School Challenge")


@pytest.fixture
def make_team(make_user):
    def make(name="Bayou Learning Lab", lead=None, members=()):
        team = Team(name=name)
        team.members.append(TeamMember(user=lead or make_user(), is_lead=True))
        for member in members:
            team.members.append(TeamMember(user=member))
        db.session.add(team)
        db.session.commit()
        return team

    return make


@pytest.fixture
def lead(make_user):
    return make_user("lead@example.org", name="Lee Lead")


@pytest.fixture
def member(make_user):
    return make_user("member@example.org", name="Mo Member")


@pytest.fixture
def team(make_team, lead, member):
    return make_team(lead=lead, members=[member])


@pytest.fixture
def application(team, challenge):
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    db.session.commit()
    return application


def question(challenge, kind):
    return next(q for q in challenge.questions if q.kind == kind)


def fill_completely(application, *, with_file=True):
    """Everything required, straight into the rows (the form is tested elsewhere)."""
    application.school_name = "Bayou Community School"
    application.grades = "K-5"
    application.launch_year = 2028
    application.target_enrollment = 240
    application.neighbourhood = "Mid-City"
    application.learner_profiles = "Every learner has a profile."
    application.personal_learning_paths = "Paths chosen with families."
    application.competency_based_progression = "Students move on when ready."
    application.flexible_learning_environments = "Studios, not classrooms."
    values = {QuestionKind.short_text: {"text_value": "Lee and Mo"},
              QuestionKind.long_text: {"text_value": "Because families asked us to."},
              QuestionKind.number: {"number_value": Decimal(120)},
              QuestionKind.single_choice: {"text_value": "Lab school"},
              QuestionKind.multiple_choice: {"choices_value": ["Museum"]},
              QuestionKind.yes_no: {"text_value": "yes"}}
    for q in application.challenge.questions:
        if q.kind in values:
            application.answers.append(Answer(question=q, **values[q.kind]))
    for year in (1, 2, 3, 4):
        application.financial_years.append(FinancialYear(
            year_number=year, enrollment=60 * year, per_pupil_revenue_cents=1_000_000,
            other_revenue_cents=5_000_000, operating_expenses_cents=80_000_000 * year))
    if with_file:
        from incubator.applications.models import Attachment
        import secrets

        application.attachments.append(Attachment(
            question_id=question(application.challenge, QuestionKind.file).id, original_filename="budget.xlsx",
            stored_name=secrets.token_hex(20), content_type="application/pdf", size_bytes=10, sha256="0" * 64))
    db.session.commit()
    return application


@pytest.fixture
def complete_application(application):
    return fill_completely(application)


@pytest.fixture
def freeze(monkeypatch):
    """Set the clock the application views read and requests arrive by (undone after the test)."""
    from incubator.applications import application_views

    from incubator.core import arrival

    def set_now(moment):
        monkeypatch.setattr(application_views, "utcnow", lambda: moment)
        monkeypatch.setattr(arrival, "clock", lambda: moment.timestamp())  # when requests reach the portal

    return set_now
