"""The challenge lifecycle as a table: every pair of states, without the database."""
import itertools

import pytest

from incubator.challenges import states
from incubator.challenges.states import ChallengeStatus
from incubator.core.errors import InvalidTransition

ALLOWED = {(ChallengeStatus.draft, ChallengeStatus.published)}


@pytest.mark.parametrize("current, target", list(itertools.product(ChallengeStatus, repeat=2)))
def test_the_table_allows_only_publishing_a_draft(current, target):
    if (current, target) in ALLOWED:
        assert states.can(current, target)
        states.check(current, target)
    else:
        assert not states.can(current, target)
        with pytest.raises(InvalidTransition, match=f"{current} cannot become {target}"):
            states.check(current, target)


def test_every_state_has_a_row_and_a_label():
    assert set(states.TRANSITIONS) == set(ChallengeStatus)
    assert [s.label for s in ChallengeStatus] == ["Draft", "Published"]
