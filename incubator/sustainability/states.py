"""The lifecycle of an annual report (no Flask, no database).

A reporter drafts the year's figures and submits them; finance verifies them, or returns them
with a comment, and the reporter fixes and submits again. A verified report is frozen: a
correction is a new revision of the same year (with its reason), which goes through the same
steps while the verified one still counts.
"""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class ReportStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    verified = "verified"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "submitted": "Submitted", "returned": "Returned for changes",
                "verified": "Verified"}[self.value]

    @property
    def editable(self) -> bool:
        """The reporter may change the figures (a draft, or a report finance returned)."""
        return self in (ReportStatus.draft, ReportStatus.returned)


TRANSITIONS: dict[ReportStatus, dict[ReportStatus, str]] = {
    ReportStatus.draft: {ReportStatus.submitted: "sustainability.report.submitted"},
    ReportStatus.returned: {ReportStatus.submitted: "sustainability.report.resubmitted"},
    ReportStatus.submitted: {ReportStatus.verified: "sustainability.report.verified",
                             ReportStatus.returned: "sustainability.report.returned"},
}


def check(current: ReportStatus, target: ReportStatus) -> str:
    """The audit action of the move. :raises InvalidTransition: the table does not allow it."""
    action = TRANSITIONS.get(current, {}).get(target)
    if action is None:
        if current is ReportStatus.verified:
            raise InvalidTransition("This report is verified: its figures are frozen. Start a correction "
                                    "to change them.")
        raise InvalidTransition(f"A report that is {current.label.lower()} cannot become "
                                f"{target.label.lower()}.")
    return action


class SchoolSource(StrEnum):
    """Where a school record came from."""
    launch = "launch"          # an incubation team recommended to launch
    transition = "transition"  # an existing school with a school-transition grant
    direct = "direct"          # created by finance
    imported = "imported"      # a CSV import

    @property
    def label(self) -> str:
        return {"launch": "Recommended to launch", "transition": "School transition grant",
                "direct": "Added by finance", "imported": "Imported"}[self.value]


class Status(StrEnum):
    """A school's trajectory to sustainability (metrics.trajectory)."""
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    undetermined = "undetermined"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
                "undetermined": "Undetermined"}[self.value]


class Rating(StrEnum):
    """A NACSA-style rating of one measure in one year."""
    meets = "meets"
    does_not_meet = "does_not_meet"
    falls_far_below = "falls_far_below"
    undetermined = "undetermined"

    @property
    def label(self) -> str:
        return {"meets": "Meets standard", "does_not_meet": "Does not meet standard",
                "falls_far_below": "Falls far below standard", "undetermined": "Undetermined"}[self.value]
