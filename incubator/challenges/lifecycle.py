"""Moving a challenge to another status: the transition table, a compare-and-set in the
database, and an audit event with from and to. Every status change goes through here.
"""
import sqlalchemy as sa

from incubator.challenges import states
from incubator.challenges.models import Challenge
from incubator.challenges.states import ChallengeStatus
from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.extensions import db


class ChangedMeanwhile(DomainError):
    """Another request changed the challenge's status since it was loaded."""

    def __init__(self):
        super().__init__("Someone else changed this challenge a moment ago. Reload it to see where it stands.")


def move(challenge: Challenge, target: ChallengeStatus, *, actor, action: str, details: dict | None = None,
         **values) -> ChallengeStatus:
    """Set `challenge.status` to `target` (and the columns in `values`), returning the status it had.

    The update only happens if the row still has the status that was loaded, so of two
    staff publishing at once exactly one wins (and one audit event is written).

    :raises InvalidTransition: the table does not allow the move
    :raises ChangedMeanwhile: the row's status changed since it was loaded (the caller rolls back)
    """
    previous = challenge.status
    states.check(previous, target)
    changed = db.session.execute(
        sa.update(Challenge)
        .where(Challenge.id == challenge.id, Challenge.status == previous)
        .values(status=target, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, action, challenge, from_state=previous, to_state=target, **(details or {}))
    return previous
