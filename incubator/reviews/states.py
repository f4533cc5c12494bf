"""The lifecycles of review: a reviewer's review of one application, and a round's decision.
No Flask or database here: tables to test."""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class ReviewStatus(StrEnum):
    """Where one assignment's review stands. A submitted review is locked; staff may reopen it."""

    not_started = "not_started"
    draft = "draft"
    submitted = "submitted"

    @property
    def label(self) -> str:
        return {"not_started": "Not started", "draft": "Draft", "submitted": "Submitted"}[self.value]


REVIEW_TRANSITIONS: dict[ReviewStatus, set[ReviewStatus]] = {
    ReviewStatus.not_started: {ReviewStatus.draft, ReviewStatus.submitted},
    ReviewStatus.draft: {ReviewStatus.draft, ReviewStatus.submitted},
    ReviewStatus.submitted: {ReviewStatus.draft},  # only by staff reopening it (audited)
}


def can_review(current: ReviewStatus, target: ReviewStatus) -> bool:
    return target in REVIEW_TRANSITIONS.get(current, set())


def check_review(current: ReviewStatus, target: ReviewStatus) -> None:
    if not can_review(current, target):
        raise InvalidTransition(f"A review that is {current.label.lower()} cannot become {target.label.lower()}.")


class Recommendation(StrEnum):
    yes = "yes"
    maybe = "maybe"
    no = "no"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RoundEntry(StrEnum):
    """Which applications enter a round."""

    eligible = "eligible"   # every eligible application of the challenge
    advanced = "advanced"   # those advanced in the previous round

    @property
    def label(self) -> str:
        return {"eligible": "Every eligible application",
                "advanced": "Applications advanced in the previous round"}[self.value]


class Outcome(StrEnum):
    """A staff decision on an application in a round (it moves the application's status)."""

    advance = "advance"
    select = "select"
    waitlist = "waitlist"
    decline = "decline"

    @property
    def label(self) -> str:
        return {"advance": "Advance to the next round", "select": "Select", "waitlist": "Waitlist",
                "decline": "Decline"}[self.value]

    @property
    def past(self) -> str:
        """The decision once made, as pages name it ("Selected", not the verb on the button)."""
        return {"advance": "Advanced", "select": "Selected", "waitlist": "Waitlisted",
                "decline": "Declined"}[self.value]


class ConflictSource(StrEnum):
    """Why a reviewer may not review an application."""

    team_member = "team_member"      # the reviewer is on the team
    email_domain = "email_domain"    # shares a (non-public) email domain with a team member
    profile = "profile"              # matches a tie the reviewer listed in their profile
    declared = "declared"            # the reviewer declared it on opening the application
    round_list = "round_list"        # ticked on a blind round's list of people and organisations
    staff = "staff"                  # added by staff

    @property
    def label(self) -> str:
        return {"team_member": "On the team", "email_domain": "Shares an email domain with the team",
                "profile": "Matches a tie in the reviewer's profile", "declared": "Declared by the reviewer",
                "round_list": "Declared on the round's list", "staff": "Added by staff"}[self.value]

    @property
    def is_automatic(self) -> bool:
        return self in (ConflictSource.team_member, ConflictSource.email_domain, ConflictSource.profile)


class Bid(StrEnum):
    interested = "interested"
    willing = "willing"
    not_interested = "not_interested"

    @property
    def label(self) -> str:
        return {"interested": "Interested", "willing": "Willing", "not_interested": "Not interested"}[self.value]
