"""Moving an application to another status: the transition table, a compare-and-set in
the database, and an audit event with from and to. Every status change goes through here.
"""
from datetime import datetime

import sqlalchemy as sa

from incubator.applications import states
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.extensions import db


class ChangedMeanwhile(DomainError):
    """Another request changed the application (its status or content) since it was loaded."""

    def __init__(self):
        super().__init__("Someone else changed this application a moment ago. Reload it to see where it stands.")


def move(application: Application, target: Status, *, actor, action: str, now: datetime, details: dict | None = None,
         **values) -> Status:
    """Set `application.status` to `target` (and the columns in `values`), returning the status it had.

    The update only happens if the row still has the status and version that were loaded,
    so of two requests racing (a save and a submission, two screenings, a withdrawal and a
    screening) exactly one wins, and what was checked is what is frozen.

    :raises InvalidTransition: the table does not allow the move
    :raises ChangedMeanwhile: the row changed since it was loaded (the caller rolls back)
    """
    previous, version = application.status, application.version
    states.check(previous, target)
    changed = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status == previous, Application.version == version)
        .values(status=target, version=version + 1, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, action, application, from_state=previous, to_state=target, **(details or {}))
    return previous
