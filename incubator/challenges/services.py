"""Challenge operations for program staff: create, edit and publish a challenge and its questions.

Every operation takes an explicit `actor`, flushes and never commits. A challenge is made
as a draft; once it is published and has opened, its questions are locked: teams are
answering them.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from incubator.accounts.models import Organisation, Role, User
from incubator.challenges import lifecycle
from incubator.challenges.models import (MODEL_ELEMENT_KEYS, Challenge, ChallengeSlugRedirect, Question, QuestionKind,
                                         Track)
from incubator.challenges.states import ChallengeStatus
from incubator.core import audit, ordering, permissions
from incubator.core.errors import DomainError, InvalidTransition, NotAllowed, ValidationFailed
from incubator.extensions import db

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Paths of the blueprint that a slug must not shadow.
RESERVED_SLUGS = {"new", "manage"}
CHOICE_KINDS = {QuestionKind.single_choice, QuestionKind.multiple_choice}


class QuestionsLocked(DomainError):
    """The challenge has opened, so its questions can no longer change."""


class NotReadyToPublish(DomainError):
    """The challenge is missing something a team needs; `problems` says what."""

    def __init__(self, problems: list[str]):
        super().__init__("The challenge cannot be published yet: " + " ".join(problems))
        self.problems = problems


@dataclass
class ChallengeData:
    title: str
    slug: str
    track: Track
    summary_md: str
    opens_at: datetime
    closes_at: datetime
    slots: int
    grant_pool_cents: int
    planning_grant_cents: int
    # None keeps what the challenge has (all four for a new one).
    required_elements: list[str] | None = None


@dataclass
class QuestionData:
    kind: QuestionKind
    label: str
    help_text: str = ""
    is_required: bool = False
    word_limit: int | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    choices: list[str] | None = None


def can_create_in(actor: User, organisation: Organisation) -> bool:
    return bool(actor and actor.is_active and (actor.is_admin or actor.has_role(organisation.id, Role.program_staff)))


def save_challenge(challenge: Challenge | None, data: ChallengeData, *, actor: User, now: datetime,
                   organisation: Organisation | None = None) -> Challenge:
    """Create (challenge=None, in `organisation`) or update a challenge.

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ValidationFailed: bad slug or dates, slug taken, or the opening moved after opening
    """
    if challenge is None:
        if organisation is None or not can_create_in(actor, organisation):
            raise NotAllowed("Only program staff of the organization can create its challenges.")
    else:
        permissions.require(actor, "manage", challenge)
    title, slug = data.title.strip(), data.slug.strip().lower()
    if not title:
        raise ValidationFailed("Give the challenge a title.")
    if "<" in title or ">" in title:
        raise ValidationFailed("The title is plain text: leave out < and >.")
    if not SLUG.match(slug) or len(slug) > 80:
        raise ValidationFailed("The URL slug may hold only lower-case letters, digits and single hyphens.")
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(f"“{slug}” is reserved; choose another URL slug.")
    if data.closes_at <= data.opens_at:
        raise ValidationFailed("The closing time must be after the opening time.")
    if data.slots < 1:
        raise ValidationFailed("A challenge has at least one slot.")
    if data.grant_pool_cents < 0 or data.planning_grant_cents < 0:
        raise ValidationFailed("Amounts cannot be negative.")
    if data.required_elements is not None and not set(data.required_elements) <= set(MODEL_ELEMENT_KEYS):
        raise ValidationFailed("Choose the required model elements among the four shown.")
    opens_at = data.opens_at
    if challenge is not None and challenge.questions_locked(now):
        # The form has minute precision: the same minute means "unchanged".
        if _minute(opens_at) != _minute(challenge.opens_at):
            raise ValidationFailed("The challenge has already opened; its opening time can no longer change.")
        opens_at = challenge.opens_at
    taken = db.session.scalar(sa.select(Challenge.id).where(Challenge.slug == slug))
    if taken is None:  # an old address of another challenge keeps pointing there
        taken = db.session.scalar(sa.select(ChallengeSlugRedirect.challenge_id).where(ChallengeSlugRedirect.slug == slug))
    if taken is not None and (challenge is None or taken != challenge.id):
        raise ValidationFailed(f"The URL slug “{slug}” is taken by another challenge.")

    created = challenge is None
    if created:
        challenge = Challenge(organisation=organisation, status=ChallengeStatus.draft)
        db.session.add(challenge)
    else:
        _keep_old_address(challenge, slug)
    fields = {
        "title": title, "slug": slug, "track": data.track, "summary_md": data.summary_md.strip(),
        "opens_at": opens_at, "closes_at": data.closes_at, "slots": data.slots,
        "grant_pool_cents": data.grant_pool_cents, "planning_grant_cents": data.planning_grant_cents,
    }
    if data.required_elements is not None:  # stored in the model's order, once each
        fields["required_elements"] = [key for key in MODEL_ELEMENT_KEYS if key in data.required_elements]
    elif created:
        fields["required_elements"] = list(MODEL_ELEMENT_KEYS)
    changed = sorted(name for name, value in fields.items() if getattr(challenge, name) != value)
    for name, value in fields.items():
        setattr(challenge, name, value)
    db.session.flush()
    if created:
        audit.record(actor, "challenge.created", challenge, slug=slug)
    elif changed:
        audit.record(actor, "challenge.updated", challenge, fields=changed)
    return challenge


def _keep_old_address(challenge: Challenge, new_slug: str) -> None:
    """A published challenge's address may be shared already: its old slug redirects to the new one."""
    if new_slug == challenge.slug:
        return
    # Going back to an earlier slug: that address is the challenge's own again.
    db.session.execute(sa.delete(ChallengeSlugRedirect).where(ChallengeSlugRedirect.slug == new_slug,
                                                              ChallengeSlugRedirect.challenge_id == challenge.id))
    if challenge.is_published:
        db.session.add(ChallengeSlugRedirect(slug=challenge.slug, challenge_id=challenge.id))


def publish_problems(challenge: Challenge, now: datetime) -> list[str]:
    """What stands between a draft and publishing, as messages for staff (empty: ready)."""
    problems = []
    if not challenge.title.strip():
        problems.append("Give the challenge a title.")
    if not (challenge.summary_md or "").strip():
        problems.append("Write the summary teams read on the public page.")
    if challenge.closes_at <= challenge.opens_at:
        problems.append("The closing time must be after the opening time.")
    if challenge.closes_at <= now:
        problems.append("The closing time has passed: move it into the future.")
    if not challenge.questions:
        problems.append("Add at least one question for teams to answer.")
    return problems


def publish(challenge: Challenge, *, actor: User, now: datetime) -> None:
    """Publish a complete draft: it becomes public at its opening time (at once if that has passed).

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises InvalidTransition: the challenge is already published
    :raises NotReadyToPublish: something is missing (the messages say what)
    :raises ChangedMeanwhile: another request published it since it was loaded
    """
    permissions.require(actor, "manage", challenge)
    if challenge.is_published:
        raise InvalidTransition(f"{challenge.title} is already published.")
    problems = publish_problems(challenge, now)
    if problems:
        raise NotReadyToPublish(problems)
    lifecycle.move(challenge, ChallengeStatus.published, actor=actor, action="challenge.published",
                   details={"opens_at": challenge.opens_at.isoformat()})


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _require_unlocked(challenge: Challenge, actor: User, now: datetime) -> None:
    permissions.require(actor, "manage", challenge)
    if challenge.questions_locked(now):
        raise QuestionsLocked("The challenge has opened, so its questions are locked: "
                              "teams may already be answering them.")


def _clean_question(data: QuestionData) -> dict:
    label = data.label.strip()
    if not label:
        raise ValidationFailed("Write the question.")
    values = {"kind": data.kind, "label": label, "help_text": data.help_text.strip(),
              "is_required": bool(data.is_required), "word_limit": None, "min_value": None,
              "max_value": None, "choices": None}
    if data.kind == QuestionKind.long_text:
        if data.word_limit is None or data.word_limit < 1:
            raise ValidationFailed("A long-text question needs a word limit of at least 1.")
        values["word_limit"] = data.word_limit
    if data.kind == QuestionKind.number:
        if data.min_value is not None and data.max_value is not None and data.min_value > data.max_value:
            raise ValidationFailed("The lowest allowed number must not be above the highest.")
        values["min_value"], values["max_value"] = data.min_value, data.max_value
    if data.kind in CHOICE_KINDS:
        options = [o.strip() for o in (data.choices or []) if o.strip()]
        if len(options) < 2:
            raise ValidationFailed("A choice question needs at least two options, one per line.")
        if len({o.casefold() for o in options}) != len(options):
            raise ValidationFailed("Each option must appear only once.")
        if any(len(o) > 200 for o in options):
            raise ValidationFailed("Options are at most 200 characters each.")
        values["choices"] = options
    return values


def add_question(challenge: Challenge, data: QuestionData, *, actor: User, now: datetime) -> Question:
    """Add a question at the end of the list.

    :raises QuestionsLocked: the challenge has opened
    :raises ValidationFailed: the question is incomplete for its kind
    """
    _require_unlocked(challenge, actor, now)
    values = _clean_question(data)
    position = max((q.position for q in challenge.questions), default=0) + 1
    question = Question(challenge=challenge, position=position, **values)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.added", question, challenge_id=challenge.id, kind=data.kind.value)
    return question


def update_question(question: Question, data: QuestionData, *, actor: User, now: datetime) -> Question:
    """:raises QuestionsLocked, ValidationFailed: as add_question"""
    _require_unlocked(question.challenge, actor, now)
    values = _clean_question(data)
    changed = sorted(name for name, value in values.items() if getattr(question, name) != value)
    for name, value in values.items():
        setattr(question, name, value)
    db.session.flush()
    if changed:
        audit.record(actor, "question.updated", question, challenge_id=question.challenge_id, fields=changed)
    return question


def delete_question(question: Question, *, actor: User, now: datetime) -> None:
    """:raises QuestionsLocked: the challenge has opened"""
    challenge = question.challenge
    _require_unlocked(challenge, actor, now)
    audit.record(actor, "question.deleted", question, challenge_id=challenge.id, label=question.label[:200])
    challenge.questions.remove(question)
    _renumber(challenge)
    db.session.flush()


def move_question(question: Question, direction: str, *, actor: User, now: datetime) -> None:
    """Swap a question with its neighbour above ("up") or below ("down").

    :raises QuestionsLocked: the challenge has opened
    :raises ValidationFailed: the question is already first or last
    """
    challenge = question.challenge
    _require_unlocked(challenge, actor, now)
    ordering.move(challenge.questions, question, direction, what="That question")
    db.session.flush()
    audit.record(actor, "question.moved", question, challenge_id=challenge.id, direction=direction)


def _renumber(challenge: Challenge) -> None:
    for position, item in enumerate(sorted(challenge.questions, key=lambda q: (q.position, q.id)), start=1):
        item.position = position
