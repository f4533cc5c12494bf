"""Jobs for tests/core/test_worker_warm_up.py: what a job finds already done, and jobs that fail."""
import os
import sys


def probe() -> dict:
    from sqlalchemy.orm import mapperlib

    from incubator.applications import pdf
    from incubator.extensions import db

    return {
        "pid": os.getpid(),
        "mappers_pending": any(r._new_mappers for r in mapperlib._all_registries()),
        "fonts_loaded": pdf.fonts.cache_info().currsize > 0,
        "compiled_statements": len(db.engine._compiled_cache),
        "job_modules": [name for name in ("incubator.core.mail", "incubator.applications.jobs") if name in sys.modules],
    }


def pid() -> int:
    return os.getpid()


def write_then(what: str, recipient: str) -> None:
    """Leave a row written but not committed, then fail: raise, or run past the job's timeout."""
    import time

    from incubator.core.mail import OutboxMessage
    from incubator.extensions import db

    db.session.add(OutboxMessage(recipient=recipient, subject="half-done", body_text="-",
                                 message_id=f"<{recipient}>"))
    db.session.flush()
    if what == "raise":
        raise RuntimeError("the job failed half-way")
    time.sleep(60)  # the job's timeout stops this


def commit() -> int:
    """Commit whatever the session holds (nothing, if the last job left nothing behind)."""
    from incubator.extensions import db

    db.session.commit()
    return os.getpid()
