"""A milestone's review cycle: the team submits it (once its evidence and, for the community-input
and coaching milestones, its logs are there), staff approve it or ask for changes with a comment,
and staff may reopen an approval with a reason. Every move goes through lifecycle.move_milestone
(compare-and-set, audited); the team is told by mail (milestone_mail); approving sends
events.milestone_approved once, in the approving transaction.

Services flush and never commit; the view commits, or rolls back on a DomainError.
"""
import re
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa

from incubator.core.errors import DomainError, InvalidTransition, NotAllowed, ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.incubation import events, lifecycle, milestone_mail, stakeholders
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import CoachingSession, Milestone, MilestoneComment
from incubator.incubation.permissions import on_team
from incubator.incubation.states import MilestoneKind, MilestoneStatus, StakeholderGroup

COMMENT_MAX = 5_000
# Control characters and direction overrides: PostgreSQL refuses NUL, and an override makes text
# read in another order than it was typed. Tabs and line breaks are fine in a comment.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class NotReady(DomainError):
    """The milestone cannot be submitted yet; `reasons` says every thing still missing."""

    def __init__(self, reasons: list[str]):
        super().__init__("This milestone cannot be submitted yet. " + " ".join(reasons))
        self.reasons = reasons


class DecisionRefused(DomainError):
    """The milestone is not in a state that takes this decision."""


class CommentRefused(ValidationFailed):
    """The comment or reason cannot be used as typed."""


class Decision(StrEnum):
    approve = "approve"
    request_changes = "request_changes"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "request_changes": "Ask for changes"}[self.value]


# ---- what the page and the submit rule read -------------------------------------------------------


def sessions_logged(milestone: Milestone) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CoachingSession).where(
        CoachingSession.cohort_team_id == milestone.cohort_team_id)) or 0


def stakeholder_coverage(milestone: Milestone) -> dict[StakeholderGroup, tuple[int, int]]:
    """Per group: (entries, participants) of the team's stakeholder log."""
    return stakeholders.coverage_of(milestone.cohort_team)


def missing_groups(milestone: Milestone) -> list[StakeholderGroup]:
    return stakeholders.missing_of(stakeholder_coverage(milestone))


def words_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def blockers(milestone: Milestone) -> list[str]:
    """What is still missing before the team may submit (empty when it may).

    A coaching milestone's evidence is its logged sessions (the coach writes them), so it needs
    no other evidence; every other milestone needs at least one piece of evidence."""
    reasons = []
    kind = MilestoneKind(milestone.kind)
    if kind == MilestoneKind.coaching:
        needed, logged = milestone.required_sessions or 1, sessions_logged(milestone)
        if logged < needed:
            reasons.append(f"It needs {needed} logged coaching session{'s' if needed != 1 else ''} and "
                           f"{logged} {'is' if logged == 1 else 'are'} logged so far (your coach logs them).")
    elif not milestone.evidence:
        reasons.append("Add at least one piece of evidence: a text, a link or a file.")
    if kind == MilestoneKind.community_input:
        missing = missing_groups(milestone)
        if missing:
            reasons.append(f"The stakeholder log has no entry yet from {words_list([g.label.lower() for g in missing])}: "
                           "log at least one session with each of teachers, students, parents and school leaders.")
    return reasons


# ---- the moves ---------------------------------------------------------------------------------------


def check_version(milestone: Milestone, expected_version: int | None) -> None:
    """:raises ChangedMeanwhile: the form was made from an older version of the milestone"""
    if expected_version is not None and expected_version != milestone.version:
        raise ChangedMeanwhile()


def clean_comment(text: str | None, *, required: str | None = None, what: str = "comment") -> str:
    """The comment stripped; :raises CommentRefused: empty when `required` (its message), too
    long, or with control characters"""
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise CommentRefused(required)
    if len(text) > COMMENT_MAX:
        raise CommentRefused(f"The {what} is at most {COMMENT_MAX:,} characters (it has {len(text):,}).")
    if CONTROL.search(text):
        raise CommentRefused(f"The {what} contains characters that are not allowed "
                              "(control characters or direction overrides).")
    return text


def submit(milestone: Milestone, *, actor, now: datetime, expected_version: int | None = None) -> None:
    """Hand the milestone in for review: pending or changes requested -> submitted.

    :raises NotAllowed: the actor is not on the team, or the team has left the cohort
    :raises ChangedMeanwhile: the form was stale, or someone moved the milestone meanwhile
    :raises InvalidTransition: it is awaiting review or approved already
    :raises NotReady: evidence, stakeholder entries or coaching sessions are missing (all named)
    """
    cohort_team = milestone.cohort_team
    if not on_team(actor, cohort_team):
        raise NotAllowed("Only members of the team can submit its milestones.")
    if not cohort_team.is_active:
        raise NotAllowed("Your team is no longer in the cohort, so its milestones cannot be submitted.")
    check_version(milestone, expected_version)
    status = MilestoneStatus(milestone.status)
    if not status.is_open:
        raise InvalidTransition("This milestone is approved already." if status == MilestoneStatus.approved
                                else "This milestone is submitted already and awaits review.")
    reasons = blockers(milestone)
    if reasons:
        raise NotReady(reasons)
    again = status == MilestoneStatus.changes_requested
    lifecycle.move_milestone(milestone, MilestoneStatus.submitted, actor=actor, now=now,
                             activity=f"{'Submitted again' if again else 'Submitted'} by {actor.display_name}",
                             submitted_at=now)


def _add_comment(milestone: Milestone, body: str, to_status: MilestoneStatus, *, actor, now: datetime):
    note = MilestoneComment(author_id=actor.id, to_status=to_status, body=body, created_at=now)
    milestone.comments.append(note)
    db.session.flush()
    return note


def _refuse_unless_submitted(milestone: Milestone) -> None:
    status = MilestoneStatus(milestone.status)
    if status == MilestoneStatus.pending:
        raise DecisionRefused("The team has not submitted this milestone yet, so there is nothing to decide.")
    if status == MilestoneStatus.changes_requested:
        raise DecisionRefused("Changes are requested already: the team will submit the milestone again.")
    if status == MilestoneStatus.approved:
        raise DecisionRefused("This milestone is approved already. To change that, reopen it.")


def decide(milestone: Milestone, decision: Decision | str, comment: str | None, *, actor, now: datetime,
           expected_version: int | None = None) -> MilestoneComment:
    """Approve a submitted milestone (the comment is optional) or ask for changes (a comment is
    required); the comment joins the conversation and the team is told. Approving sends
    events.milestone_approved once, after the compare-and-set move.

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ChangedMeanwhile: the form was stale, or another decision landed meanwhile
    :raises DecisionRefused: the milestone is not awaiting review
    :raises CommentRefused: the comment is missing (asking for changes), too long or has control characters
    """
    require(actor, "decide", milestone)
    decision = Decision(decision)
    approve = decision == Decision.approve
    body = clean_comment(comment, required=None if approve else
                         "Say what the team should change: the comment is sent to them.")
    check_version(milestone, expected_version)
    _refuse_unless_submitted(milestone)
    target = MilestoneStatus.approved if approve else MilestoneStatus.changes_requested
    values = {"approved_at": now} if approve else {}
    lifecycle.move_milestone(milestone, target, actor=actor, now=now, decided_by_id=actor.id,
                             activity=f"{'Approved' if approve else 'Changes requested'} by {actor.display_name}",
                             details={"with_comment": bool(body)}, **values)
    note = _add_comment(milestone, body, target, actor=actor, now=now)
    if approve:
        events.milestone_approved.send(milestone, milestone=milestone, actor=actor)
    milestone_mail.tell_team(milestone, milestone_mail.APPROVED if approve else milestone_mail.CHANGES_REQUESTED,
                             body, now=now)
    return note


def reopen(milestone: Milestone, reason: str | None, *, actor, now: datetime,
           expected_version: int | None = None) -> MilestoneComment:
    """Take back an approval (approved -> submitted, awaiting review again), with a reason the team
    reads; audited, and the team is told.

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ChangedMeanwhile: the form was stale, or the milestone moved meanwhile
    :raises DecisionRefused: the milestone is not approved
    :raises CommentRefused: the reason is missing, too long or has control characters
    """
    require(actor, "reopen", milestone)
    body = clean_comment(reason, required="Give the reason for reopening: the team reads it.", what="reason")
    check_version(milestone, expected_version)
    if MilestoneStatus(milestone.status) != MilestoneStatus.approved:
        raise DecisionRefused("Only an approved milestone can be reopened.")
    lifecycle.move_milestone(milestone, MilestoneStatus.submitted, actor=actor, now=now, approved_at=None,
                             activity=f"Reopened by {actor.display_name}")
    note = _add_comment(milestone, body, MilestoneStatus.submitted, actor=actor, now=now)
    milestone_mail.tell_team(milestone, milestone_mail.REOPENED, body, now=now)
    return note
