"""A job for tests/core/test_worker_warm_up.py: what a work horse finds already done."""
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
