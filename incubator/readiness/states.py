"""The lifecycles of readiness: an assessment is open, then closed; a member's answer set is
in progress, then completed (and back to in progress while the assessment is open).
No Flask or database here: tables to test."""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class AssessmentStatus(StrEnum):
    open = "open"
    closed = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AnswerSetStatus(StrEnum):
    in_progress = "in_progress"
    completed = "completed"

    @property
    def label(self) -> str:
        return {"in_progress": "In progress", "completed": "Completed"}[self.value]


class Requirement(StrEnum):
    """Whether a challenge's teams take the readiness assessment before submitting."""
    off = "off"
    optional = "optional"
    required = "required"

    @property
    def label(self) -> str:
        return {"off": "Off: teams do not take it", "optional": "Optional: teams may take it",
                "required": "Required: a closed team assessment before submitting"}[self.value]


ASSESSMENT_TRANSITIONS: dict[AssessmentStatus, set[AssessmentStatus]] = {
    AssessmentStatus.open: {AssessmentStatus.closed},
    AssessmentStatus.closed: set(),
}
ANSWER_SET_TRANSITIONS: dict[AnswerSetStatus, set[AnswerSetStatus]] = {
    AnswerSetStatus.in_progress: {AnswerSetStatus.completed},
    AnswerSetStatus.completed: {AnswerSetStatus.in_progress},
}


def can_move_assessment(current: AssessmentStatus, target: AssessmentStatus) -> bool:
    return target in ASSESSMENT_TRANSITIONS.get(current, set())


def check_assessment(current: AssessmentStatus, target: AssessmentStatus) -> None:
    if not can_move_assessment(current, target):
        raise InvalidTransition(f"An assessment that is {current} cannot become {target}.")


def can_move_answer_set(current: AnswerSetStatus, target: AnswerSetStatus, *,
                        assessment: AssessmentStatus) -> bool:
    # Once the assessment is closed, every answer set is frozen.
    return assessment == AssessmentStatus.open and target in ANSWER_SET_TRANSITIONS.get(current, set())


def check_answer_set(current: AnswerSetStatus, target: AnswerSetStatus, *, assessment: AssessmentStatus) -> None:
    if not can_move_answer_set(current, target, assessment=assessment):
        if assessment != AssessmentStatus.open:
            raise InvalidTransition("The assessment is closed: its answers can no longer change.")
        raise InvalidTransition(f"Answers that are {AnswerSetStatus(current).label.lower()} cannot become "
                                f"{AnswerSetStatus(target).label.lower()}.")
