"""The lifecycles of incubation: a team's milestone, a team's place in a cohort, and the
outcome staff record at the end. No Flask or database here: tables to test."""
from enum import StrEnum

from incubator.core.errors import InvalidTransition


class MilestoneStatus(StrEnum):
    """Where one milestone of a team stands. Overdue is not a status: it is derived from the
    due date and the status (`schedule.is_overdue`)."""

    pending = "pending"
    submitted = "submitted"
    changes_requested = "changes_requested"
    approved = "approved"

    @property
    def label(self) -> str:
        return {"pending": "Not submitted", "submitted": "Awaiting review", "changes_requested": "Changes requested",
                "approved": "Approved"}[self.value]

    @property
    def is_open(self) -> bool:
        """The team still has work to hand in (so it can be overdue and is reminded)."""
        return self in (MilestoneStatus.pending, MilestoneStatus.changes_requested)


# The moves, each with the audit action that records it. approved -> submitted is staff's
# audited reopen: approval is otherwise final.
MILESTONE_MOVES: dict[tuple[MilestoneStatus, MilestoneStatus], str] = {
    (MilestoneStatus.pending, MilestoneStatus.submitted): "incubation.milestone.submitted",
    (MilestoneStatus.changes_requested, MilestoneStatus.submitted): "incubation.milestone.resubmitted",
    (MilestoneStatus.submitted, MilestoneStatus.approved): "incubation.milestone.approved",
    (MilestoneStatus.submitted, MilestoneStatus.changes_requested): "incubation.milestone.changes_requested",
    (MilestoneStatus.approved, MilestoneStatus.submitted): "incubation.milestone.reopened",
}


def can_move(current: MilestoneStatus, target: MilestoneStatus) -> bool:
    return (MilestoneStatus(current), MilestoneStatus(target)) in MILESTONE_MOVES


def check_milestone(current: MilestoneStatus, target: MilestoneStatus) -> str:
    """The audit action of the move; raises InvalidTransition when the table has no such move."""
    current, target = MilestoneStatus(current), MilestoneStatus(target)
    action = MILESTONE_MOVES.get((current, target))
    if action is None:
        raise InvalidTransition(f"A milestone that is {current.label.lower()} cannot become {target.label.lower()}.")
    return action


class MilestoneKind(StrEnum):
    """What a milestone checks before it may be submitted."""

    standard = "standard"
    community_input = "community_input"  # every required stakeholder group has an entry
    coaching = "coaching"                # a number of coaching sessions are logged

    @property
    def label(self) -> str:
        return {"standard": "Evidence only", "community_input": "Community input (stakeholder log)",
                "coaching": "Coaching (logged sessions)"}[self.value]


class CohortTeamStatus(StrEnum):
    active = "active"
    left = "left"

    @property
    def label(self) -> str:
        return {"active": "In the cohort", "left": "Left the cohort"}[self.value]


COHORT_TEAM_TRANSITIONS: dict[CohortTeamStatus, set[CohortTeamStatus]] = {
    CohortTeamStatus.active: {CohortTeamStatus.left},
    CohortTeamStatus.left: {CohortTeamStatus.active},  # staff bring a team back (audited)
}


def check_cohort_team(current: CohortTeamStatus, target: CohortTeamStatus) -> None:
    current, target = CohortTeamStatus(current), CohortTeamStatus(target)
    if target not in COHORT_TEAM_TRANSITIONS.get(current, set()):
        raise InvalidTransition(f"A team that is {current.label.lower()} cannot be {target.label.lower()}.")


class IncubationOutcome(StrEnum):
    """Staff's recommendation at the end of the cohort."""

    launch = "launch"
    continue_incubating = "continue_incubating"
    not_recommended = "not_recommended"

    @property
    def label(self) -> str:
        return {"launch": "Recommended to launch", "continue_incubating": "Continue incubating",
                "not_recommended": "Not recommended"}[self.value]


class StakeholderGroup(StrEnum):
    teachers = "teachers"
    students = "students"
    parents = "parents"
    school_leaders = "school_leaders"
    community_members = "community_members"

    @property
    def label(self) -> str:
        return {"teachers": "Teachers", "students": "Students", "parents": "Parents",
                "school_leaders": "School leaders", "community_members": "Community members"}[self.value]


# The groups the community-input milestone needs at least one entry from.
REQUIRED_GROUPS = (StakeholderGroup.teachers, StakeholderGroup.students, StakeholderGroup.parents,
                   StakeholderGroup.school_leaders)


class InputMethod(StrEnum):
    focus_group = "focus_group"
    survey = "survey"
    interview = "interview"
    workshop = "workshop"
    pilot_observation = "pilot_observation"

    @property
    def label(self) -> str:
        return {"focus_group": "Focus group", "survey": "Survey", "interview": "Interview", "workshop": "Workshop",
                "pilot_observation": "Pilot observation"}[self.value]


class EvidenceKind(StrEnum):
    text = "text"
    link = "link"
    file = "file"


# Readiness retakes a cohort ties to its teams: the readiness issue's checkpoints, in order.
CHECKPOINTS = ("Intake", "Month 3", "Month 6")
