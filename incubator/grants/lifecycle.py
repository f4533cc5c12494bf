"""Moving a grant or a tranche: the transition table (`states`), a compare-and-set in the
database on status and version, and an audit event with from and to. Every status change of
the grants domain goes through here, as applications/lifecycle.py does for applications."""
import sqlalchemy as sa

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.grants import states
from incubator.grants.models import Grant, Tranche
from incubator.grants.states import GrantStatus, TrancheStatus


class ChangedMeanwhile(DomainError):
    """Another request (or worker) changed the row since it was loaded."""

    def __init__(self, what: str = "tranche"):
        super().__init__(f"Someone else changed this {what} a moment ago. Reload it to see where it stands.")


def move_grant(grant: Grant, target: GrantStatus, *, actor, details: dict | None = None, **values) -> GrantStatus:
    """Set the grant's status to `target` (and the columns in `values`) if it still has the
    status and version that were loaded; audited. Returns the status it had.

    :raises InvalidTransition: the table does not allow the move
    :raises ChangedMeanwhile: the row changed since it was loaded (the caller rolls back)
    """
    previous, version = GrantStatus(grant.status), grant.version
    action = states.check_grant(previous, target)
    changed = db.session.execute(
        sa.update(Grant)
        .where(Grant.id == grant.id, Grant.status == previous, Grant.version == version)
        .values(status=target, version=version + 1, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile("grant")
    audit.record(actor, action, grant, from_state=previous, to_state=target, **(details or {}))
    return previous


def move_tranche(tranche: Tranche, target: TrancheStatus, *, actor, details: dict | None = None,
                 **values) -> TrancheStatus:
    """As `move_grant`, for a tranche. A worker passes `actor=None` (recorded as the system).

    :raises InvalidTransition, ChangedMeanwhile: as move_grant
    """
    previous, version = TrancheStatus(tranche.status), tranche.version
    action = states.check_tranche(previous, target)
    changed = db.session.execute(
        sa.update(Tranche)
        .where(Tranche.id == tranche.id, Tranche.status == previous, Tranche.version == version)
        .values(status=target, version=version + 1, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, action, tranche, from_state=previous, to_state=target,
                 grant_id=tranche.grant_id, amount_cents=tranche.amount_cents, **(details or {}))
    return previous
