"""A CSV import, run as a job: the file as uploaded, its progress and its outcome.

The lifecycle is a table like every other: a run is queued, then running, then done (every
row saved) or failed (nothing saved: the errors say which row and column to fix). The generic
reading and checking of a file is `core.csv_import`; each domain registers what its files hold.
"""
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core.errors import InvalidTransition
from incubator.core.timeutil import utcnow
from incubator.extensions import db

MAX_FILE_BYTES = 5 * 1024 * 1024


class ImportStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Waiting to start", "running": "Importing", "done": "Imported",
                "failed": "Not imported"}[self.value]

    @property
    def finished(self) -> bool:
        return self in (ImportStatus.done, ImportStatus.failed)


TRANSITIONS = {
    ImportStatus.queued: {ImportStatus.running, ImportStatus.failed},
    ImportStatus.running: {ImportStatus.done, ImportStatus.failed},
}


def check(current: ImportStatus, target: ImportStatus) -> None:
    if target not in TRANSITIONS.get(current, set()):
        raise InvalidTransition(f"An import that is {current.label.lower()} cannot become {target.label.lower()}.")


class ImportRun(db.Model):
    __tablename__ = "import_runs"
    __table_args__ = (
        sa.CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name="finished_has_time"),
        sa.CheckConstraint("total_rows >= 0 AND done_rows >= 0 AND saved_rows >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    # What the file holds, e.g. "sustainability.schools" (core.csv_import's registry).
    kind: Mapped[str] = mapped_column(sa.String(60))
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")  # the decoded text of the file
    status: Mapped[ImportStatus] = mapped_column(default=ImportStatus.queued)
    version: Mapped[int] = mapped_column(default=1)
    total_rows: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)   # rows checked, as of the last progress note
    saved_rows: Mapped[int] = mapped_column(default=0)  # rows saved (all of them, or none)
    # JSON: [{"row": 7, "column": "opening_year", "message": "..."}, ...]; or a summary when done.
    errors: Mapped[str] = mapped_column(sa.Text, default="[]", server_default="[]")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id
