"""Starting and editing a draft, with optimistic locking so two members never lose work.

A save names the version it was based on. If someone saved in between, the save
is refused with `StaleSave`, which carries the revisions since, field by field.
"""
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.forms import (NUMBER_FIELDS, PLAN_COLUMNS, PLAN_YEARS, SCHOOL_FIELDS, core_fields,
                                         parse_number, required_core, word_count)
from incubator.applications.models import Answer, Application, ApplicationRevision, FinancialYear, Team
from incubator.challenges.models import Challenge, QuestionKind, Track
from incubator.core import audit
from incubator.core.checklists import missing_from_contributors
from incubator.core.errors import DomainError
from incubator.core.money import format_cents, parse_dollars
from incubator.core.permissions import require
from incubator.core.timeutil import format_local
from incubator.extensions import db

CORE_LABELS = {
    "school_name": "School name", "grades": "Grades served", "launch_year": "Planned launch year",
    "target_enrollment": "Target enrollment", "current_grades": "Grades served today",
    "current_enrollment": "Current enrollment", "transition_year": "Transition year",
    "neighbourhood": "Neighborhood", "learner_profiles": "Learner profiles",
    "personal_learning_paths": "Personal learning paths", "competency_based_progression": "Competency-based progression",
    "flexible_learning_environments": "Flexible learning environments",
}
PLAN_ATTRS = {"enrollment": "enrollment", "per_pupil": "per_pupil_revenue_cents", "other": "other_revenue_cents",
              "expenses": "operating_expenses_cents"}


class StaleSave(DomainError):
    def __init__(self, revisions: list[ApplicationRevision]):
        super().__init__("Someone else saved this application while you were editing. Their changes are shown "
                         "below; your own input is still in the form. Check it and save again.")
        self.revisions = revisions


@dataclass
class Draft:
    """What a member typed, already validated by the form."""
    core: dict = field(default_factory=dict)
    answers: dict[int, object] = field(default_factory=dict)  # question id -> str | Decimal | list | None
    plan: dict[int, dict | None] = field(default_factory=dict)  # year -> {key: text} or None when empty


def start_application(team: Team, challenge: Challenge, *, actor: User, now: datetime) -> Application:
    """:raises DomainError: the challenge is not open, or the team already has an application for it"""
    require(actor, "start_application", team)
    if not challenge.is_open(now):
        raise DomainError(f"{challenge.title} is not accepting applications now.")
    existing = db.session.scalar(sa.select(Application).filter_by(team_id=team.id, challenge_id=challenge.id))
    if existing is not None:
        raise DomainError(f"{team.name} already has an application for {challenge.title}.")
    application = Application(team=team, challenge=challenge, updated_by_id=actor.id, updated_at=now)
    db.session.add(application)
    db.session.flush()
    audit.record(actor, "application.started", application, to_state=application.status, team_id=team.id)
    return application


YES_NO_LABELS = {"yes": "Yes", "no": "No"}


def _stored_text(answer: Answer | None, kind: QuestionKind) -> str:
    """The answer as the form holds it (yes/no stay "yes"/"no")."""
    if answer is None:
        return ""
    if kind == QuestionKind.multiple_choice:
        return ", ".join(answer.choices_value or [])
    if kind == QuestionKind.number:
        return "" if answer.number_value is None else f"{answer.number_value.normalize():f}"
    return answer.text_value or ""


def answer_text(answer: Answer | None, kind: QuestionKind) -> str:
    """The answer as a person reads it: on the page, in the PDF, the revisions and the CSV."""
    text = _stored_text(answer, kind)
    if kind == QuestionKind.yes_no:
        return YES_NO_LABELS.get(text, text)
    return text


def snapshot(application: Application) -> dict[str, tuple[str, str]]:
    """Every field as (label, shown value): what a revision compares."""
    shown = {key: (CORE_LABELS[key], "" if getattr(application, key) is None else str(getattr(application, key)))
             for key in core_fields(application.challenge)}
    answers = {a.question_id: a for a in application.answers}
    for question in application.challenge.questions:
        if question.kind != QuestionKind.file:
            shown[f"q_{question.id}"] = (question.label, answer_text(answers.get(question.id), question.kind))
    years = {y.year_number: y for y in application.financial_years}
    for year in PLAN_YEARS:
        row = years.get(year)
        for key, label in PLAN_COLUMNS:
            value = "" if row is None else getattr(row, PLAN_ATTRS[key])
            if row is not None and key != "enrollment":
                value = format_cents(value)
            shown[f"y{year}_{key}"] = (f"Year {year}: {label.replace(' ($)', '')}", str(value))
    return shown


def form_data(application: Application) -> dict:
    """The current content as form values (dollars, not cents)."""
    data = {key: getattr(application, key) for key in core_fields(application.challenge)}
    answers = {a.question_id: a for a in application.answers}
    for question in application.challenge.questions:
        answer = answers.get(question.id)
        if question.kind == QuestionKind.multiple_choice:
            data[f"q_{question.id}"] = answer.choices_value if answer else []
        elif question.kind != QuestionKind.file:
            data[f"q_{question.id}"] = _stored_text(answer, question.kind) or None
    for row in application.financial_years:
        data[f"y{row.year_number}_enrollment"] = row.enrollment
        for key in ("per_pupil", "other", "expenses"):
            data[f"y{row.year_number}_{key}"] = format_cents(getattr(row, PLAN_ATTRS[key])).lstrip("$")
    data["version"] = str(application.version)
    return data


def _apply(application: Application, draft: Draft) -> None:
    for key, value in draft.core.items():
        setattr(application, key, value if value is not None or key in NUMBER_FIELDS else "")
    answers = {a.question_id: a for a in application.answers}
    for question in application.challenge.questions:
        if question.kind == QuestionKind.file or question.id not in draft.answers:
            continue
        value = draft.answers[question.id]
        answer = answers.get(question.id)
        if answer is None:
            answer = Answer(question=question)
            application.answers.append(answer)
        answer.text_value = answer.number_value = answer.choices_value = None
        if question.kind == QuestionKind.number:
            answer.number_value = parse_number(value)
        elif question.kind == QuestionKind.multiple_choice:
            answer.choices_value = list(value or [])
        else:
            answer.text_value = value or None
    years = {y.year_number: y for y in application.financial_years}
    for year, figures in draft.plan.items():
        row = years.get(year)
        if figures is None:
            if row is not None:
                application.financial_years.remove(row)
            continue
        if row is None:
            row = FinancialYear(year_number=year)
            application.financial_years.append(row)
        row.enrollment = int(figures["enrollment"])
        for key in ("per_pupil", "other", "expenses"):
            setattr(row, PLAN_ATTRS[key], parse_dollars(str(figures[key])))


def save_draft(application: Application, draft: Draft, *, based_on: int, actor: User, now: datetime):
    """Save a member's edits of a draft. Returns the new revision, or None when nothing changed.

    :raises NotAllowed: the actor is not on the team, or the application is no longer a draft
    :raises StaleSave: another save happened since version `based_on`
    """
    require(actor, "edit", application)
    if based_on != application.version:
        raise StaleSave(revisions_since(application, based_on))
    before = snapshot(application)
    _apply(application, draft)
    db.session.flush()
    after = snapshot(application)
    changes = [{"field": key, "label": after[key][0], "old": before.get(key, ("", ""))[1], "new": after[key][1]}
               for key in after if before.get(key, ("", ""))[1] != after[key][1]]
    if not changes:
        return None
    # Compare-and-set: of two saves based on the same version, exactly one wins, on both databases.
    won = db.session.execute(
        sa.update(Application).where(Application.id == application.id, Application.version == based_on)
        .values(version=based_on + 1, updated_at=now, updated_by_id=actor.id)
        .execution_options(synchronize_session=False)).rowcount
    if won != 1:  # the caller rolls back
        raise StaleSave(revisions_since(application, based_on))
    application.version, application.updated_at, application.updated_by_id = based_on + 1, now, actor.id
    revision = ApplicationRevision(application_id=application.id, version=based_on + 1, saved_by_id=actor.id,
                                   saved_at=now, changes=changes)
    db.session.add(revision)
    db.session.flush()
    return revision


def draft_view(application: Application, draft: Draft) -> dict[str, str]:
    """A member's unsaved input shown the way `snapshot` shows saved values, to compare them."""
    shown = {key: "" if value is None else str(value) for key, value in draft.core.items()}
    for question in application.challenge.questions:
        if question.id not in draft.answers:
            continue
        value = draft.answers[question.id]
        if question.kind == QuestionKind.multiple_choice:
            text = ", ".join(value or [])
        elif question.kind == QuestionKind.number:
            number = parse_number(value)
            text = "" if number is None else f"{number.normalize():f}"
        else:
            text = value or ""
        shown[f"q_{question.id}"] = text
    for year, figures in draft.plan.items():
        for key, _ in PLAN_COLUMNS:
            if figures is None:
                shown[f"y{year}_{key}"] = ""
            elif key == "enrollment":
                shown[f"y{year}_{key}"] = str(int(figures[key]))
            else:
                shown[f"y{year}_{key}"] = format_cents(parse_dollars(str(figures[key])))
    return shown


def merge_after_conflict(application: Application, draft: Draft, revisions: list[ApplicationRevision]):
    """After a refused save: which fields the member left alone (take the newer saved value)
    and which both changed (keep the member's input, and say so).

    Returns ({field: current form value}, {fields both changed}).
    """
    base: dict[str, str] = {}
    for revision in revisions:
        for change in revision.changes:
            base.setdefault(change["field"], change["old"])
    mine, current = draft_view(application, draft), form_data(application)
    take, clashes = {}, set()
    for key, old in base.items():
        if mine.get(key, old) == old:
            take[key] = current.get(key)
        else:
            clashes.add(key)
    return take, clashes


def revisions_since(application: Application, version: int) -> list[ApplicationRevision]:
    return list(db.session.scalars(sa.select(ApplicationRevision).where(
        ApplicationRevision.application_id == application.id, ApplicationRevision.version > version)
        .order_by(ApplicationRevision.version)))


def checklist(application: Application) -> list[str]:
    """What is still missing before the application can be submitted (empty: ready)."""
    missing = [CORE_LABELS[key] for key in required_core(application.challenge) if getattr(application, key) in (None, "")]
    answers = {a.question_id: a for a in application.answers}
    files = {a.question_id for a in application.attachments if a.question_id}
    for question in application.challenge.questions:
        if not question.is_required:
            continue
        if question.kind == QuestionKind.file:
            if question.id not in files:
                missing.append(f"{question.label} (upload a file)")
        elif not answer_text(answers.get(question.id), question.kind):
            missing.append(question.label)
        elif question.kind == QuestionKind.long_text and question.word_limit and \
                word_count(answers[question.id].text_value) > question.word_limit:
            missing.append(f"{question.label} (over the word limit)")
    years = {y.year_number: y for y in application.financial_years}
    for year in PLAN_YEARS:
        row = years.get(year)
        if row is None or not row.operating_expenses_cents:
            missing.append(f"Four-year plan: year {year}")
    return missing + missing_from_contributors(application)  # e.g. a required readiness assessment


def school_facts(application: Application) -> list[tuple[str, str]]:
    """The school's facts its track asks for, as (label, shown value), for the read-only pages."""
    return [(CORE_LABELS[key], "" if getattr(application, key) is None else str(getattr(application, key)))
            for key in SCHOOL_FIELDS[Track(application.challenge.track)]]


def closing_text(challenge: Challenge) -> str:
    return format_local(challenge.closes_at, challenge.timezone, "%H:%M %Z on %A %-d %B %Y")
