"""The lifecycle of a challenge. No Flask or database here: a table to test.

A challenge is a draft while staff prepare it: nobody outside the organization sees it,
and its questions and dates change freely. Publishing is the deliberate step that lets
it open at its opening time; once it has opened its questions lock.
"""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class ChallengeStatus(StrEnum):
    draft = "draft"
    published = "published"

    @property
    def label(self) -> str:
        return self.value.capitalize()


TRANSITIONS: dict[ChallengeStatus, set[ChallengeStatus]] = {
    ChallengeStatus.draft: {ChallengeStatus.published},
    # Teams may already be answering a published challenge: it does not go back to draft.
    ChallengeStatus.published: set(),
}


def can(current: ChallengeStatus, target: ChallengeStatus) -> bool:
    return target in TRANSITIONS.get(current, set())


def check(current: ChallengeStatus, target: ChallengeStatus) -> None:
    if not can(current, target):
        raise InvalidTransition(f"A challenge that is {current} cannot become {target}.")
