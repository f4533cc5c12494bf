"""The two CSV files finance can import (core.csv_import): schools, and past annual reports.

- "sustainability.schools": one school a row (source: imported), with the people who report
  for it (existing accounts, by email). A name the organisation already has, or that the file
  repeats, is an error.
- "sustainability.reports": one past year of a school a row, arriving verified (imported, and
  verified by the person who imported the file). A school and year that already has a report,
  or that the file repeats, is an error.

`check` reads the database in a fixed number of queries whatever the size of the file; `save`
adds and flushes (the job commits, once, or not at all).
"""
from decimal import Decimal

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.csv_import import CellError, Column, Importer, Row, dollars, email_list, fixed, integer, register, text
from incubator.core.imports import ImportRun
from incubator.core.permissions import rule
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import TITLE_MAX, School
from incubator.sustainability import models
from incubator.sustainability.models import AnnualReport, SchoolReporter
from incubator.sustainability.permissions import finance_of
from incubator.sustainability.states import ReportStatus, SchoolSource

PROGRESS_EVERY = 250
KINDS = {"schools": "sustainability.schools", "reports": "sustainability.reports"}
LABELS = {"schools": "Schools", "reports": "Past annual reports"}


def kind_name(kind: str) -> str:
    """'sustainability.reports' -> 'reports'."""
    return kind.removeprefix("sustainability.")


@rule(ImportRun)
def import_run_rule(user, action: str, run: ImportRun) -> bool:
    """A sustainability import is finance's of its organisation (the only imports there are so far)."""
    return run.kind in KINDS.values() and finance_of(user, run.organisation_id)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _ticker(progress):
    def tick(done: int) -> None:
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    return tick


# ---- schools -----------------------------------------------------------------------------------

SCHOOL_COLUMNS = (
    Column("name", text(TITLE_MAX), help="The school's name, unique in your organization.",
           example="Bayou Learning Lab"),
    Column("grades", text(40), help="The grades served, for example K-5 or 9-12.", example="K-5"),
    Column("opening_year", integer(1990, 2200, what="a year"),
           help="The calendar year the school opens (its year 1 starts that fall).", example="2024"),
    Column("target_enrollment", integer(1, models.MAX_ENROLLMENT, what="a number of students"), required=False,
           help="Optional: the number of students the school plans to serve.", example="200"),
    Column("reporter_emails", email_list(";"), required=False,
           help="Optional: the people who report for the school, by the email of their account, separated "
                "by “;”.", example="lead@example.org; finance@example.org"),
)


def check_schools(rows: list[Row], run: ImportRun, progress=None) -> list[CellError]:
    taken = {_key(name) for name in db.session.scalars(
        sa.select(School.name).where(School.organisation_id == run.organisation_id))}
    emails = {email for row in rows for email in (row["reporter_emails"] or [])}
    known = _user_ids(emails)
    errors, first_row, tick = [], {}, _ticker(progress)
    for done, row in enumerate(rows, start=1):
        key = _key(row["name"])
        if key in taken:
            errors.append(CellError(row.number, "name", f"Your organization already has a school called "
                                                        f"“{row['name']}”. Remove this row or rename the school."))
        elif key in first_row:
            errors.append(CellError(row.number, "name", f"Row {first_row[key]} has a school of the same name."))
        first_row.setdefault(key, row.number)
        for email in row["reporter_emails"] or []:
            if email not in known:
                errors.append(CellError(row.number, "reporter_emails",
                                        f"No one has an account with {email}. Ask them to register first (or "
                                        "invite them from the school's reporters page after the import)."))
        tick(done)
    return errors


def _user_ids(emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    rows = db.session.execute(sa.select(User.email, User.id).where(sa.func.lower(User.email).in_(emails),
                                                                 User.is_deactivated.is_(False)))
    return {email.lower(): user_id for email, user_id in rows}


def save_schools(rows: list[Row], run: ImportRun) -> dict:
    known = _user_ids({email for row in rows for email in (row["reporter_emails"] or [])})
    schools = [School(organisation_id=run.organisation_id, name=row["name"], grades=row["grades"],
                      planned_opening_year=row["opening_year"], target_enrollment=row["target_enrollment"],
                      source=SchoolSource.imported, created_by_id=run.created_by_id) for row in rows]
    db.session.add_all(schools)
    db.session.flush()
    db.session.add_all([SchoolReporter(school_id=school.id, user_id=known[email], added_by_id=run.created_by_id)
                        for school, row in zip(schools, rows) for email in (row["reporter_emails"] or [])])
    db.session.flush()
    return {"schools": len(schools), "school_ids": [school.id for school in schools]}


# ---- past reports ------------------------------------------------------------------------------

_MONEY_HELP = {
    "public_state_local": "Public per-pupil revenue, state and local",
    "public_federal": "Public per-pupil revenue, federal",
    "philanthropic": "Philanthropic revenue",
    "other_revenue": "Other revenue",
    "operating_expenses": "Operating expenses",
    "total_expenses": "Total expenses",
    "unrestricted_cash": "Unrestricted cash (at the end of the fiscal year)",
    "current_assets": "Current assets",
    "current_liabilities": "Current liabilities",
}
_MONEY_EXAMPLES = {"public_state_local": "1500000", "public_federal": "200000", "philanthropic": "400000",
                   "other_revenue": "10000", "operating_expenses": "2000000", "total_expenses": "2100000",
                   "unrestricted_cash": "300000", "current_assets": "500000", "current_liabilities": "300000"}
# File column -> AnnualReport column.
REPORT_FIELDS = {"fiscal_year": "fiscal_year", "budgeted_enrollment": "budgeted_enrollment",
                 "actual_enrollment": "actual_enrollment",
                 **{name.removesuffix("_cents"): name for name in models.MONEY_FIELDS},
                 "math_growth": "math_growth_hundredths", "ela_growth": "ela_growth_hundredths",
                 "college_ready": "college_ready_permille"}
_students = integer(0, models.MAX_ENROLLMENT, what="a number of students")
REPORT_COLUMNS = (
    Column("school", text(TITLE_MAX), help="The school's name, as your organization has it.",
           example="Bayou Learning Lab"),
    Column("year", integer(1, 4, what="the school's year"), help="The school's year the report covers, 1 to 4.",
           example="1"),
    Column("fiscal_year", integer(1990, 2200, what="a year"),
           help="The fiscal year, by the calendar year it ends in (2025: July 2024 - June 2025).", example="2025"),
    Column("budgeted_enrollment", _students, help="Budgeted enrollment (students).", example="200"),
    Column("actual_enrollment", _students, help="Actual enrollment, the October count (students).", example="190"),
    *(Column(name, dollars(models.MAX_CENTS), help=f"{_MONEY_HELP[name]}, in dollars.",
             example=_MONEY_EXAMPLES[name]) for name in (n.removesuffix("_cents") for n in models.MONEY_FIELDS)),
    Column("math_growth", fixed(2, Decimal(0), Decimal(10), what="years of growth"), required=False,
           help="Optional: average growth in math, in years (1.5 = a year and a half).", example="1.2"),
    Column("ela_growth", fixed(2, Decimal(0), Decimal(10), what="years of growth"), required=False,
           help="Optional: average growth in reading (ELA), in years.", example="1.1"),
    Column("college_ready", fixed(1, Decimal(0), Decimal(100), what="a percentage", suffix="%"), required=False,
           help="Optional: the share of students meeting college-readiness benchmarks, in percent.", example="62.5"),
)


def _schools_by_name(organisation_id: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for school_id, name in db.session.execute(sa.select(School.id, School.name)
                                              .where(School.organisation_id == organisation_id)):
        found.setdefault(_key(name), []).append(school_id)
    return found


def check_reports(rows: list[Row], run: ImportRun, progress=None) -> list[CellError]:
    schools = _schools_by_name(run.organisation_id)
    reported = set(db.session.execute(
        sa.select(AnnualReport.school_id, AnnualReport.year).distinct()
        .join(School, School.id == AnnualReport.school_id).where(School.organisation_id == run.organisation_id)))
    errors, first_row, tick = [], {}, _ticker(progress)
    for done, row in enumerate(rows, start=1):
        tick(done)
        ids = schools.get(_key(row["school"]), [])
        if not ids:
            errors.append(CellError(row.number, "school", f"Your organization has no school called "
                                                          f"“{row['school']}”. Check the spelling, or import "
                                                          "the school first."))
            continue
        if len(ids) > 1:
            errors.append(CellError(row.number, "school", f"Your organization has {len(ids)} schools called "
                                                          f"“{row['school']}”. Rename one of them first."))
            continue
        key = (ids[0], row["year"])
        if key in reported:
            errors.append(CellError(row.number, "year", f"“{row['school']}” already has a year {row['year']} "
                                                        "report. Only years without one can be imported."))
        elif key in first_row:
            errors.append(CellError(row.number, "year", f"Row {first_row[key]} has the same school and year."))
        first_row.setdefault(key, row.number)
    return errors


def save_reports(rows: list[Row], run: ImportRun) -> dict:
    schools = _schools_by_name(run.organisation_id)
    now, importer = utcnow(), run.created_by_id
    reports = [AnnualReport(school_id=schools[_key(row["school"])][0], year=row["year"], revision=1,
                            status=ReportStatus.verified, imported=True, created_at=now, updated_at=now,
                            created_by_id=importer, submitted_at=now, submitted_by_id=importer,
                            verified_at=now, verified_by_id=importer,
                            **{column: row[name] for name, column in REPORT_FIELDS.items()})
               for row in rows]
    db.session.add_all(reports)
    db.session.flush()
    return {"reports": len(reports), "report_ids": [report.id for report in reports],
            "school_ids": sorted({report.school_id for report in reports})}


SCHOOLS = register(Importer(KINDS["schools"], "schools", SCHOOL_COLUMNS, check_schools, save_schools))
REPORTS = register(Importer(KINDS["reports"], "past annual reports", REPORT_COLUMNS, check_reports, save_reports))
