"""The school's and the portfolio's PDFs, made by jobs on the `pdf` queue through core.pdf_jobs:
each file is named after a fingerprint of the verified figures it shows (and the school records
and settings around them), so a PDF of the current data either exists or is being prepared, and
a newly verified report or correction makes a new one needed."""
import sqlalchemy as sa
from flask import current_app

from incubator.accounts.models import Organisation
from incubator.core import pdf_jobs
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import figures, pdfs
from incubator.sustainability.models import AnnualReport, settings_of


def _settings_key(organisation_id: int) -> tuple:
    settings = settings_of(organisation_id)
    return (settings.glide_path, settings.city_enrollment)


def _school_columns():
    return (School.id, School.name, School.grades, School.planned_opening_year, School.source)


def _verified_rows(where) -> list[tuple]:
    """The reports that count (with their ids and revisions, so a correction changes the print)."""
    query = (figures.current_verified().add_columns(AnnualReport.revision)
             .join(School, School.id == AnnualReport.school_id).where(where)
             .order_by(AnnualReport.school_id, AnnualReport.year))
    return [tuple(row) for row in db.session.execute(query)]


def school_fingerprint(school: School) -> str:
    """What the school's PDF shows: its record, the organisation's settings, its verified figures."""
    record = db.session.execute(sa.select(*_school_columns(), Organisation.name, Organisation.timezone)
                                .join(Organisation, Organisation.id == School.organisation_id)
                                .where(School.id == school.id)).one()
    return pdf_jobs.digest(tuple(record), _settings_key(school.organisation_id),
                           _verified_rows(School.id == school.id))


def portfolio_fingerprint(organisation: Organisation) -> str:
    """What the portfolio's PDF shows: every school's record and verified figures, the settings."""
    schools = [tuple(row) for row in db.session.execute(
        sa.select(*_school_columns()).where(School.organisation_id == organisation.id).order_by(School.id))]
    return pdf_jobs.digest(organisation.id, organisation.name, organisation.timezone,
                           _settings_key(organisation.id), schools,
                           _verified_rows(School.organisation_id == organisation.id))


def _compress() -> bool:
    return current_app.config.get("PDF_COMPRESSION", True)


def school_document(school: School) -> pdfs.SchoolDocument:
    settings = settings_of(school.organisation_id)
    return pdfs.SchoolDocument(figures.school_summary(school), settings.glide_path, school.organisation.name,
                               school.organisation.timezone, utcnow())


def school_bytes(school: School) -> bytes:
    return pdfs.render_school(school_document(school), compress=_compress())


def portfolio_document(organisation: Organisation) -> pdfs.PortfolioDocument:
    settings = settings_of(organisation.id)
    summaries = figures.portfolio(organisation.id)
    return pdfs.PortfolioDocument(organisation.name, organisation.timezone, settings.glide_path, summaries,
                                  figures.totals(summaries, settings.city_enrollment), utcnow())


def portfolio_bytes(organisation: Organisation) -> bytes:
    return pdfs.render_portfolio(portfolio_document(organisation), compress=_compress())


SCHOOL_REPORT = pdf_jobs.Document("sustainability-school", load=lambda school_id: db.session.get(School, school_id),
                                  fingerprint=school_fingerprint, render=school_bytes)
PORTFOLIO_REPORT = pdf_jobs.Document("sustainability-portfolio",
                                     load=lambda organisation_id: db.session.get(Organisation, organisation_id),
                                     fingerprint=portfolio_fingerprint, render=portfolio_bytes)


def render_school_report(school_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the school's sustainability PDF for `digest`, once."""
    return pdf_jobs.make(SCHOOL_REPORT, school_id, digest)


def render_portfolio_report(organisation_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the organisation's portfolio PDF for `digest`, once."""
    return pdf_jobs.make(PORTFOLIO_REPORT, organisation_id, digest)
