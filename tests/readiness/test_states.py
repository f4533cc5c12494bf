"""The lifecycles as tables, without the database."""
import itertools

import pytest

from incubator.core.errors import InvalidTransition
from incubator.readiness import states
from incubator.readiness.states import AnswerSetStatus as A, AssessmentStatus as S

ALLOWED_ASSESSMENT = {(S.open, S.closed)}
ALLOWED_ANSWERS = {(A.in_progress, A.completed), (A.completed, A.in_progress)}


@pytest.mark.parametrize("current, target", list(itertools.product(S, S)))
def test_an_assessment_is_open_then_closed_and_nothing_else(current, target):
    assert states.can_move_assessment(current, target) == ((current, target) in ALLOWED_ASSESSMENT)
    if (current, target) not in ALLOWED_ASSESSMENT:
        with pytest.raises(InvalidTransition):
            states.check_assessment(current, target)


@pytest.mark.parametrize("current, target, assessment", list(itertools.product(A, A, S)))
def test_answers_move_between_in_progress_and_completed_only_while_open(current, target, assessment):
    allowed = (current, target) in ALLOWED_ANSWERS and assessment == S.open
    assert states.can_move_answer_set(current, target, assessment=assessment) == allowed
    if not allowed:
        with pytest.raises(InvalidTransition):
            states.check_answer_set(current, target, assessment=assessment)
