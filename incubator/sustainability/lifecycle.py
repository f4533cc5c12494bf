"""Moving an annual report: the transition table (`states`), a compare-and-set on status and
version, and an audit event with from and to, as applications/lifecycle.py does."""
import sqlalchemy as sa

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.sustainability import states
from incubator.sustainability.models import AnnualReport
from incubator.sustainability.states import ReportStatus


class ChangedMeanwhile(DomainError):
    def __init__(self):
        super().__init__("Someone else changed this report a moment ago. Reload it to see where it stands.")


def move(report: AnnualReport, target: ReportStatus, *, actor, details: dict | None = None, **values) -> ReportStatus:
    """Set the report's status to `target` (and the columns in `values`) if it still has the
    status and version that were loaded; audited. Returns the status it had.

    :raises InvalidTransition: the table does not allow the move
    :raises ChangedMeanwhile: the row changed since it was loaded (the caller rolls back)
    """
    previous, version = ReportStatus(report.status), report.version
    action = states.check(previous, target)
    changed = db.session.execute(
        sa.update(AnnualReport)
        .where(AnnualReport.id == report.id, AnnualReport.status == previous, AnnualReport.version == version)
        .values(status=target, version=version + 1, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, action, report, from_state=previous, to_state=target, school_id=report.school_id,
                 year=report.year, revision=report.revision, **(details or {}))
    return previous
