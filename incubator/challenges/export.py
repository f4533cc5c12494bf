"""CSV export of a challenge's applications: one row per application, streamed
(spreadsheet-safe cells: incubator/core/csv.py).
"""
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.applications.editing import YES_NO_LABELS
from incubator.applications.models import Application, Team, TeamMember
from incubator.challenges.listing import Filters, applications_query
from incubator.challenges.models import Challenge, QuestionKind, Track
from incubator.core.csv import DANGEROUS_FIRST, harmless, stream_rows  # noqa: F401
from incubator.core.money import format_cents
from incubator.core.timeutil import format_local
from incubator.extensions import db

BATCH = 500
CORE_COLUMNS = [
    ("Application id", lambda a, tz: a.id),
    ("Status", lambda a, tz: a.status.value),
    ("Submitted at", lambda a, tz: format_local(a.submitted_at, tz, "%Y-%m-%d %H:%M %Z")),
    ("Team", lambda a, tz: a.team.name),
    ("Team lead", lambda a, tz: a.team.lead.email if a.team.lead else ""),
    ("School name", lambda a, tz: a.school_name),
    ("Grades served", lambda a, tz: a.grades),
    ("Planned launch year", lambda a, tz: a.launch_year),
    ("Target enrollment", lambda a, tz: a.target_enrollment),
    ("Grades served today", lambda a, tz: a.current_grades),
    ("Current enrollment", lambda a, tz: a.current_enrollment),
    ("Transition year", lambda a, tz: a.transition_year),
    ("Neighborhood", lambda a, tz: a.neighbourhood),
    ("Learner profiles", lambda a, tz: a.learner_profiles),
    ("Personal learning paths", lambda a, tz: a.personal_learning_paths),
    ("Competency-based progression", lambda a, tz: a.competency_based_progression),
    ("Flexible learning environments", lambda a, tz: a.flexible_learning_environments),
    ("Screening reason", lambda a, tz: a.screening_reason),
]
# The columns of the school's facts that the other track asks for, left out of a challenge's export.
NOT_ASKED = {
    Track.new_school: {"Grades served today", "Current enrollment", "Transition year"},
    Track.school_transition: {"Grades served", "Planned launch year", "Target enrollment"},
}
PLAN_COLUMNS = [
    ("enrollment", lambda y: y.enrollment),
    ("per-pupil revenue", lambda y: format_cents(y.per_pupil_revenue_cents)),
    ("other revenue", lambda y: format_cents(y.other_revenue_cents)),
    ("operating expenses", lambda y: format_cents(y.operating_expenses_cents)),
]


def answer_text(answer, question, attachments) -> str:
    if question.kind == QuestionKind.file:
        return "; ".join(a.original_filename for a in attachments if a.question_id == question.id)
    if answer is None:
        return ""
    if question.kind == QuestionKind.multiple_choice:
        return "; ".join(answer.choices_value or [])
    if question.kind == QuestionKind.number:
        return "" if answer.number_value is None else format(answer.number_value.normalize(), "f")
    if question.kind == QuestionKind.yes_no:
        return YES_NO_LABELS.get(answer.text_value or "", answer.text_value or "")
    return answer.text_value or ""


def rows(challenge_id: int, filters: Filters) -> Iterator[list]:
    # Streaming runs after the view returned and its session was removed: load afresh by id.
    challenge = db.session.get(Challenge, challenge_id)
    questions = sorted(challenge.questions, key=lambda q: (q.position, q.id))
    tz = challenge.timezone
    core = [(name, get) for name, get in CORE_COLUMNS if name not in NOT_ASKED[Track(challenge.track)]]
    header = [name for name, _ in core] + [q.label for q in questions]
    header += [f"Year {n} {name}" for n in range(1, 5) for name, _ in PLAN_COLUMNS]
    yield header
    ids = db.session.scalars(applications_query(challenge, filters).with_only_columns(Application.id)).all()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        batch = db.session.scalars(
            sa.select(Application).where(Application.id.in_(chunk)).options(
                selectinload(Application.team).selectinload(Team.members).selectinload(TeamMember.user),
                selectinload(Application.answers), selectinload(Application.financial_years),
                selectinload(Application.attachments))
        ).all()
        by_id = {a.id: a for a in batch}
        for application_id in chunk:
            application = by_id.get(application_id)
            if application is None:
                continue
            answers = {a.question_id: a for a in application.answers}
            years = {y.year_number: y for y in application.financial_years}
            row = [get(application, tz) for _, get in core]
            row += [answer_text(answers.get(q.id), q, application.attachments) for q in questions]
            for n in range(1, 5):
                year = years.get(n)
                row += [get(year) if year else "" for _, get in PLAN_COLUMNS]
            yield row


def stream_csv(challenge_id: int, filters: Filters) -> Iterator[str]:
    """The CSV text in chunks; call it only after checking the viewer may manage the challenge."""
    return stream_rows(rows(challenge_id, filters))
