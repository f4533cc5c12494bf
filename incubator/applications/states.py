"""The lifecycle of an application. No Flask or database here: a table to test."""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class Status(StrEnum):
    draft = "draft"
    submitted = "submitted"
    eligible = "eligible"
    ineligible = "ineligible"
    withdrawn = "withdrawn"
    # Review decisions (reviews/decisions): a round advances, selects, waitlists or declines.
    advanced = "advanced"
    selected = "selected"
    waitlisted = "waitlisted"
    declined = "declined"

    @property
    def label(self) -> str:
        return self.value.capitalize()


TRANSITIONS: dict[Status, set[Status]] = {
    Status.draft: {Status.submitted, Status.withdrawn},
    Status.submitted: {Status.eligible, Status.ineligible, Status.withdrawn},
    # Screening can be corrected until a round decides; then a round's decision moves it on.
    Status.eligible: {Status.ineligible, Status.withdrawn, Status.advanced, Status.selected, Status.waitlisted,
                      Status.declined},
    Status.ineligible: {Status.eligible},
    # Advanced again from a later round; the decision itself is recorded per round.
    Status.advanced: {Status.advanced, Status.selected, Status.waitlisted, Status.declined, Status.withdrawn},
    Status.waitlisted: {Status.advanced, Status.selected, Status.declined, Status.withdrawn},
    # Selected is final: a selected team can no longer withdraw (grants and incubation follow).
    Status.selected: set(),
    Status.declined: set(),
    Status.withdrawn: set(),
}

# Frozen: the team can no longer change the content.
FROZEN = {Status.submitted, Status.eligible, Status.ineligible, Status.withdrawn, Status.advanced, Status.selected,
          Status.waitlisted, Status.declined}
# Statuses of an application that passed screening (it may enter review rounds).
REVIEWABLE = {Status.eligible, Status.advanced, Status.waitlisted, Status.selected, Status.declined}


def can(current: Status, target: Status) -> bool:
    return target in TRANSITIONS.get(current, set())


def check(current: Status, target: Status) -> None:
    if not can(current, target):
        raise InvalidTransition(f"An application that is {current} cannot become {target}.")
