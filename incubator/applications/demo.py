"""Demo data of this domain, registered with core.demo.seeder (must be safe to run twice).

Runs after the challenges seeder: teams apply to the open demo challenge, found by its title.
"""
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.applications.jobs import store_pdf
from incubator.applications.models import Answer, Application, FinancialYear, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, QuestionKind
from incubator.core import audit
from incubator.core.demo import get_or_create_user, seeder
from incubator.core.timeutil import utcnow
from incubator.extensions import db

CHALLENGE_TITLE = "New Orleans Future of School Challenge"
TRANSITION_TITLE = "New Orleans School Transition Grants"
TRANSITION_TEAM = ("Lakeview Transition Team", ("principal@example.org", "Pat Principal"),
                   [("teacher@example.org", "Tess Teacher")], "Lakeview Middle School")
TEAMS = [
    # team name, lead, members, school, status
    ("Bayou Learning Lab", ("lead@example.org", "Lee Lead"), [("member@example.org", "Mo Member")],
     "Bayou Community School", Status.draft),
    ("Second Line Designers", ("applicant@example.org", "Ari Applicant"), [("team2@example.org", "Tay Teammate")],
     "Second Line Academy", Status.submitted),
    ("Crescent Studio", ("team3@example.org", "Cam Crescent"), [("team4@example.org", "Jo Crescent")],
     "Crescent Studio School", Status.eligible),
    # More eligible teams, so the demo's review round has something to rank.
    ("Treme Makers", ("team5@example.org", "Dani Treme"), [("team6@example.org", "Eli Treme")],
     "Treme Makers Academy", Status.eligible),
    ("Gentilly Learning Collective", ("team7@example.org", "Gus Gentilly"), [], "Gentilly Commons School",
     Status.eligible),
    ("Algiers Point Studio", ("team8@example.org", "Ali Algiers"), [("team9@example.org", "Bo Algiers")],
     "Algiers Point Studio School", Status.eligible),
    ("Bywater Builders", ("team10@example.org", "Kit Bywater"), [], "Bywater Community Lab School",
     Status.eligible),
]


def _fill(application: Application, school: str, *, complete: bool) -> None:
    application.school_name = school
    application.grades = "K-8"
    application.launch_year = 2028
    application.target_enrollment = 320
    application.neighbourhood = "Mid-City"
    application.learner_profiles = "Each learner keeps a profile of strengths, interests and goals, updated with families."
    if not complete:
        return
    application.personal_learning_paths = "Learners plan weekly paths with an advisor."
    application.competency_based_progression = "Learners move on when they show mastery, not by seat time."
    application.flexible_learning_environments = "Studios, a maker space and city partners replace fixed classrooms."
    for question in application.challenge.questions:
        value = {
            QuestionKind.long_text: {"text_value": "Families in Mid-City asked for a school that knows each child."},
            QuestionKind.short_text: {"text_value": "Founding team of four"},
            QuestionKind.single_choice: {"text_value": (question.choices or [""])[-1]},
            QuestionKind.multiple_choice: {"choices_value": (question.choices or [])[:2]},
            QuestionKind.number: {"number_value": max(Decimal(12), question.min_value or Decimal(0))},
            QuestionKind.yes_no: {"text_value": "yes"},
        }.get(question.kind)
        if value:
            application.answers.append(Answer(question=question, **value))
    for year in (1, 2, 3, 4):
        application.financial_years.append(FinancialYear(
            year_number=year, enrollment=80 * year, per_pupil_revenue_cents=1_050_000,
            other_revenue_cents=15_000_000 // year, operating_expenses_cents=110_000_000 + 75_000_000 * year))


def _team(name: str, lead_email: str, lead_name: str, members: list) -> Team:
    lead = get_or_create_user(lead_email, lead_name)
    team = Team(name=name, created_by_id=lead.id)
    team.members.append(TeamMember(user=lead, is_lead=True))
    for email, person in members:
        team.members.append(TeamMember(user=get_or_create_user(email, person)))
    db.session.add(team)
    return team


def _seed_transition_application() -> None:
    """An existing school's submitted application to the school_transition challenge, for staff to read."""
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.title == TRANSITION_TITLE))
    name, (lead_email, lead_name), members, school = TRANSITION_TEAM
    if challenge is None or db.session.scalar(sa.select(Team.id).where(Team.name == name)) is not None:
        return
    team = _team(name, lead_email, lead_name, members)
    lead = team.lead
    now = utcnow()
    application = Application(
        team=team, challenge=challenge, updated_by_id=lead.id, school_name=school, current_grades="6-8",
        current_enrollment=410, transition_year=now.year + 1, neighbourhood="Lakeview",
        learner_profiles="Advisors keep a profile with each student and family, reviewed every quarter.",
        personal_learning_paths="Students set weekly goals in math and literacy with their advisor.",
        competency_based_progression="Grade 6 math moves to mastery-based units in the first year.")
    for question in challenge.questions:
        value = {QuestionKind.long_text: {"text_value": "Advisory every morning and mastery-based math in grade 6."},
                 QuestionKind.yes_no: {"text_value": "yes"}}.get(question.kind)
        if value:
            application.answers.append(Answer(question=question, **value))
    for year in (1, 2, 3, 4):
        application.financial_years.append(FinancialYear(
            year_number=year, enrollment=410 + 10 * year, per_pupil_revenue_cents=1_050_000,
            other_revenue_cents=10_000_000 // year, operating_expenses_cents=470_000_000 + 5_000_000 * year))
    db.session.add(application)
    db.session.flush()
    audit.record(lead, "team.created", team, to_state="active", source="demo")
    audit.record(lead, "application.started", application, to_state=Status.draft, source="demo")
    application.status, application.submitted_at = Status.submitted, now - timedelta(days=1)
    audit.record(lead, "application.submitted", application, from_state=Status.draft, to_state=Status.submitted,
                 source="demo")
    db.session.flush()
    store_pdf(application)


@seeder
def seed_applications(org: Organisation) -> None:
    _seed_transition_application()
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.title == CHALLENGE_TITLE))
    if challenge is None:
        return  # the challenges seeder did not run; nothing to apply to
    now = utcnow()
    for name, (lead_email, lead_name), members, school, status in TEAMS:
        if db.session.scalar(sa.select(Team.id).where(Team.name == name)) is not None:
            continue
        team = _team(name, lead_email, lead_name, members)
        lead = team.lead
        application = Application(team=team, challenge=challenge, updated_by_id=lead.id)
        db.session.add(application)
        _fill(application, school, complete=status != Status.draft)
        db.session.flush()
        audit.record(lead, "team.created", team, to_state="active", source="demo")
        audit.record(lead, "application.started", application, to_state=Status.draft, source="demo")
        if status != Status.draft:
            application.status, application.submitted_at = Status.submitted, now - timedelta(days=2)
            audit.record(lead, "application.submitted", application, from_state=Status.draft,
                         to_state=Status.submitted, source="demo")
            if status == Status.eligible:
                application.status, application.screened_at = Status.eligible, now - timedelta(days=1)
                audit.record(None, "application.screened", application, from_state=Status.submitted,
                             to_state=Status.eligible, source="demo")
            db.session.flush()
            store_pdf(application)
