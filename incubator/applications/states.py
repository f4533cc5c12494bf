"""The lifecycle of an application. No Flask or database here: a table to test."""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class Status(StrEnum):
    draft = "draft"
    submitted = "submitted"
    eligible = "eligible"
    ineligible = "ineligible"
    withdrawn = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.capitalize()


TRANSITIONS: dict[Status, set[Status]] = {
    Status.draft: {Status.submitted, Status.withdrawn},
    Status.submitted: {Status.eligible, Status.ineligible, Status.withdrawn},
    # Screening can be corrected until review starts (the review issue adds its states after eligible).
    Status.eligible: {Status.ineligible, Status.withdrawn},
    Status.ineligible: {Status.eligible},
    Status.withdrawn: set(),
}

# Frozen: the team can no longer change the content.
FROZEN = {Status.submitted, Status.eligible, Status.ineligible, Status.withdrawn}


def can(current: Status, target: Status) -> bool:
    return target in TRANSITIONS.get(current, set())


def check(current: Status, target: Status) -> None:
    if not can(current, target):
        raise InvalidTransition(f"An application that is {current} cannot become {target}.")
