"""How the sustainability domain's audit events read (see incubator/core/audit_words.py).

The foundation writes the names of schools (sustainability's school page now), reports,
reporters and imports, and the phrases of the report moves of `sustainability.lifecycle`.
Each area appends its own phrases below in a block marked with its area, never rewriting
another's lines.
"""
import sqlalchemy as sa
from flask import url_for

from incubator.core.audit_words import Named, names, phrases
from incubator.core.imports import ImportRun
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport, SchoolReporter


@names("School")
def _schools(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(School.id, School.name).where(School.id.in_(ids)))
    return {i: Named(name, url_for("sustainability.school", school_id=i)) for i, name in rows}


@names("AnnualReport")
def _reports(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(
        sa.select(AnnualReport.id, AnnualReport.year, AnnualReport.revision, School.name)
        .join(School, School.id == AnnualReport.school_id).where(AnnualReport.id.in_(ids)))
    return {i: Named(f"the year {year} report{f' (revision {revision})' if revision > 1 else ''} of {name}",
                     url_for("sustainability.report", report_id=i))
            for i, year, revision, name in rows}


@names("SchoolReporter")
def _reporters(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(SchoolReporter.id, School.id, School.name)
                              .join(School, School.id == SchoolReporter.school_id)
                              .where(SchoolReporter.id.in_(ids)))
    return {i: Named(f"a reporter of {name}", url_for("sustainability.reporters", school_id=school_id))
            for i, school_id, name in rows}


@names("ImportRun")
def _imports(ids: set[int]) -> dict[int, Named]:
    rows = db.session.execute(sa.select(ImportRun.id, ImportRun.file_name).where(ImportRun.id.in_(ids)))
    return {i: Named(f"the import of {name or 'a CSV file'}", url_for("sustainability.import_run", run_id=i))
            for i, name in rows}


# ---- the foundation: report moves (lifecycle.py) ---------------------------------------------
phrases({
    "sustainability.report.submitted": "{actor} submitted {object}",
    "sustainability.report.resubmitted": "{actor} submitted {object} again",
    "sustainability.report.verified": "{actor} verified {object}",
    "sustainability.report.returned": "{actor} returned {object} for changes",
})


# ---- the schools area: schools, reporters, invitations (schools.py) --------------------------
@names("SchoolInvitation")
def _school_invitations(ids: set[int]) -> dict[int, Named]:
    from incubator.sustainability.models import SchoolInvitation

    rows = db.session.execute(sa.select(SchoolInvitation.id, School.id, School.name)
                              .join(School, School.id == SchoolInvitation.school_id)
                              .where(SchoolInvitation.id.in_(ids)))
    return {i: Named(f"the invitation to report for {name}", url_for("sustainability.reporters", school_id=school_id))
            for i, school_id, name in rows}


phrases({
    "sustainability.school.created": "{actor} added the school {object}",
    "sustainability.school.edited": "{actor} edited the school {object}",
    "sustainability.reporter.added": "{actor} named {details[email]} {object}",
    "sustainability.reporter.removed": "{actor} removed {details[email]} from the reporters of {object}",
    "sustainability.invitation.sent": "{actor} sent {details[email]} {object}",
    "sustainability.invitation.accepted": "{actor} accepted {object}",
    "sustainability.invitation.revoked": "{actor} revoked {object} sent to {details[email]}",
})


# ---- reports area: drafts and corrections (reports.py) ---------------------------------------
phrases({
    "sustainability.report.saved": "{actor} saved {object}",
    "sustainability.report.correction_started": "{actor} started a correction: {object}",
})

# ---- portfolio area: the settings (settings_service.py; details: before, after, and `changes` in words) ----
phrases({"sustainability.settings.changed":
         "{actor} changed the sustainability settings of {object}: {details[changes]}"})


# ---- the import area: CSV imports (import_jobs.py) ---------------------------------------------
phrases({
    "sustainability.import.finished": "{actor} imported {details[rows]} rows from {object}",
})
