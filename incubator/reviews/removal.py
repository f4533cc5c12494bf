"""Taking assignments away (unassigning, a new conflict, a reviewer leaving the pool) without
losing a review submitted at the same moment.

Every caller loads the assignments first and decides from their status; between that read and
the delete, the reviewer may submit. So each delete first claims the row by compare-and-set on
the status it was decided on (the UPDATE also holds the row until commit): a review submitted
meanwhile is not claimed and stays.
"""
import sqlalchemy as sa

from incubator.extensions import db
from incubator.reviews.models import Assignment
from incubator.reviews.states import ReviewStatus


def claim(assignment: Assignment, *, same_status: bool = False) -> bool:
    """Whether `assignment` is still unsubmitted (and, with `same_status`, still in the status it
    was loaded with), claiming it for deletion in this transaction."""
    conditions = [Assignment.id == assignment.id, Assignment.status != ReviewStatus.submitted]
    if same_status:
        conditions.append(Assignment.status == assignment.status)
    return db.session.execute(sa.update(Assignment).where(*conditions).values(version=Assignment.version + 1)
                              .execution_options(synchronize_session=False)).rowcount == 1


def delete_unsubmitted(assignments) -> list[Assignment]:
    """Delete those of `assignments` that hold no submitted review now; returns the deleted ones."""
    gone = [assignment for assignment in assignments if claim(assignment)]
    for assignment in gone:
        db.session.delete(assignment)
    db.session.flush()
    return gone
