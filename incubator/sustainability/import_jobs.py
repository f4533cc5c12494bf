"""The CSV import job: reads the run's file, checks every row, and saves all of it in one
transaction or nothing (core.csv_import's registry says what each kind of file holds).

Progress (rows checked of the total) is committed on the run as the check goes, so the run's page
can show it; nothing else is written before the one commit that saves the rows and marks the run
done. A run is claimed by compare-and-set (queued -> running), so running the job twice, or two
workers running it, imports the file once.
"""
import json
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from incubator.accounts.models import User
from incubator.core import audit, csv_import
from incubator.core.csv_import import CellError
from incubator.core.imports import ImportRun, ImportStatus, check
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.sustainability import imports  # registers the sustainability kinds

log = logging.getLogger(__name__)

CHANGED_MEANWHILE = ("The schools or reports changed while the file was being imported (someone added one "
                     "of the same name or year meanwhile). Nothing was saved: upload the file again.")


def _move(run_id: int, previous: ImportStatus, target: ImportStatus, **values) -> bool:
    """Set the run's status if it still has `previous` (compare-and-set); True if it moved."""
    check(previous, target)
    if target.finished:
        values.setdefault("finished_at", utcnow())
    moved = db.session.execute(
        sa.update(ImportRun).where(ImportRun.id == run_id, ImportRun.status == previous)
        .values(status=target, version=ImportRun.version + 1, **values)
        .execution_options(synchronize_session=False)).rowcount
    return moved == 1


def _fail(run_id: int, errors: list[CellError], checked: int) -> None:
    _move(run_id, ImportStatus.running, ImportStatus.failed, errors=csv_import.errors_json(errors),
          done_rows=checked, saved_rows=0)
    db.session.commit()


def run_import(run_id: int) -> None:
    """Import the run's file: every row saved (done), or none (failed, with the errors).

    A run that is not queued (already running, done or failed) is left alone.
    """
    run = db.session.get(ImportRun, run_id)
    if run is None or ImportStatus(run.status) is not ImportStatus.queued:
        return
    if not _move(run_id, ImportStatus.queued, ImportStatus.running, started_at=utcnow()):
        db.session.rollback()
        return
    db.session.commit()
    try:
        _import(run_id)
    except Exception:
        # Not hidden: logged and raised (RQ records it); the run says nothing was saved rather
        # than "importing" for ever.
        db.session.rollback()
        log.exception("Import %s failed", run_id)
        _fail(run_id, [CellError(None, "", "The import stopped on an unexpected error. Nothing was saved. "
                                           "Try again; if it happens again, tell us.")], 0)
        raise


def _import(run_id: int) -> None:
    run = db.session.get(ImportRun, run_id)
    importer = csv_import.importer_for(run.kind)
    if importer is None:
        _fail(run_id, [CellError(None, "", "This kind of file cannot be imported.")], 0)
        return
    parsed = csv_import.parse(run.content, importer.columns, max_rows=importer.max_rows)
    total = parsed.total
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(total_rows=total))
    db.session.commit()
    if parsed.errors:
        _fail(run_id, parsed.errors, total)
        return

    def progress(checked: int) -> None:
        db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(done_rows=checked))
        db.session.commit()

    run = db.session.get(ImportRun, run_id)
    errors = importer.check(parsed.rows, run, progress)
    if errors:
        _fail(run_id, sorted(errors, key=lambda e: (e.row or 0)), total)
        return
    run = db.session.get(ImportRun, run_id)
    try:
        summary = importer.save(parsed.rows, run)
        actor = db.session.get(User, run.created_by_id) if run.created_by_id else None
        audit.record(actor, "sustainability.import.finished", run, kind=imports.kind_name(run.kind),
                     rows=len(parsed.rows),
                     **{name: count for name, count in summary.items() if isinstance(count, int)})
        if not _move(run_id, ImportStatus.running, ImportStatus.done, done_rows=total, saved_rows=len(parsed.rows),
                     errors=json.dumps(summary)):
            raise RuntimeError("the import run changed while it was saved")
        db.session.commit()
    except IntegrityError:
        # A school of the same name or a report of the same year was saved meanwhile.
        db.session.rollback()
        _fail(run_id, [CellError(None, "", CHANGED_MEANWHILE)], total)

