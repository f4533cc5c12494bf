"""Annual reports (reports area): a reporter saves the year's figures as a draft and submits
them; finance verifies them or returns them with a comment; a verified report is frozen and a
correction is a new revision of the year (with its reason) while the verified one still counts.

Each service does one operation for one actor, flushes and lets the view commit. Status moves
go through `lifecycle.move` (compare-and-set on status and version, audited); a draft's figures
are saved by the same compare-and-set on the version the page showed.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from incubator.core import audit
from incubator.core.errors import DomainError, InvalidTransition, ValidationFailed
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import lifecycle, report_mail
from incubator.sustainability.lifecycle import ChangedMeanwhile
from incubator.sustainability.models import COMMENT_MAX, FIGURE_FIELDS, REASON_MAX, REQUIRED_FIELDS, AnnualReport
from incubator.sustainability.states import ReportStatus

EDITABLE = (ReportStatus.draft, ReportStatus.returned)


class MissingFigures(ValidationFailed):
    """A submission lacks required figures; `fields` names them (FIGURE_FIELDS / fiscal_year)."""

    def __init__(self, fields: list[str]):
        super().__init__("Fill in every required figure before submitting: "
                         f"{len(fields)} {'is' if len(fields) == 1 else 'are'} missing.")
        self.fields = fields


class YearFrozen(DomainError):
    def __init__(self):
        super().__init__("This year's report is verified: its figures are frozen. Start a correction from the "
                         "report's page to change them.")


class NotEditable(DomainError):
    def __init__(self, status: ReportStatus):
        super().__init__(f"This report is {status.label.lower()}: it cannot be changed now.")


class RevisionOpen(DomainError):
    def __init__(self, report: AnnualReport | None = None):
        super().__init__("A correction of this year is already open: finish it (or ask finance to verify it) "
                         "before starting another.")
        self.report = report


# ---- reading -----------------------------------------------------------------------------------

def revisions(school_id: int, year: int) -> list[AnnualReport]:
    """Every revision of the school's year, the latest first."""
    return list(db.session.scalars(sa.select(AnnualReport).where(
        AnnualReport.school_id == school_id, AnnualReport.year == year).order_by(AnnualReport.revision.desc())))


def open_revision(school_id: int, year: int) -> AnnualReport | None:
    """The year's revision that is not verified (at most one: a partial unique index)."""
    return db.session.scalar(sa.select(AnnualReport).where(
        AnnualReport.school_id == school_id, AnnualReport.year == year,
        AnnualReport.status != ReportStatus.verified))


def latest_verified(school_id: int, year: int) -> AnnualReport | None:
    return db.session.scalar(sa.select(AnnualReport).where(
        AnnualReport.school_id == school_id, AnnualReport.year == year,
        AnnualReport.status == ReportStatus.verified).order_by(AnnualReport.revision.desc()).limit(1))


def missing_figures(values: dict) -> list[str]:
    return [name for name in REQUIRED_FIELDS if values.get(name) is None]


def figures_of(report: AnnualReport) -> dict:
    return {name: getattr(report, name) for name in ("fiscal_year",) + FIGURE_FIELDS}


# ---- a reporter's draft and submission -----------------------------------------------------------

def save(school: School, year: int, values: dict, *, actor, now: datetime, report: AnnualReport | None = None,
         version: int | None = None) -> AnnualReport:
    """Save `values` (fiscal_year and FIGURE_FIELDS) as the year's open revision: `report` (its
    `version` as the page showed it), or a new revision 1 when the year has none. Audited as
    "sustainability.report.saved".

    :raises YearFrozen: the year is verified and no correction is open
    :raises NotEditable: the open revision is submitted (finance is reading it)
    :raises ChangedMeanwhile: someone saved or moved the report since the page was shown, or
        made the year's first draft at the same moment
    """
    values = {name: values.get(name) for name in ("fiscal_year",) + FIGURE_FIELDS}
    if report is None:
        if open_revision(school.id, year) is not None:
            raise ChangedMeanwhile()  # made since the page was shown
        if latest_verified(school.id, year) is not None:
            raise YearFrozen()
        report = AnnualReport(school_id=school.id, year=year, revision=1, status=ReportStatus.draft,
                              created_by_id=actor.id, created_at=now, updated_at=now, **values)
        try:
            with db.session.begin_nested():
                db.session.add(report)
        except IntegrityError:  # another first draft of the year, at the same moment
            raise ChangedMeanwhile() from None
        audit.record(actor, "sustainability.report.saved", report, school_id=school.id, year=year, revision=1)
        return report
    status = ReportStatus(report.status)
    if status is ReportStatus.verified:
        raise YearFrozen()
    if status not in EDITABLE:
        raise NotEditable(status)
    shown = report.version if version is None else version
    changed = db.session.execute(
        sa.update(AnnualReport)
        .where(AnnualReport.id == report.id, AnnualReport.version == shown, AnnualReport.status.in_(EDITABLE))
        .values(version=shown + 1, updated_at=now, **values)
        .execution_options(synchronize_session="evaluate")).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, "sustainability.report.saved", report, school_id=school.id, year=year,
                 revision=report.revision)
    return report


def submit(report: AnnualReport, *, actor, now: datetime) -> ReportStatus:
    """Submit a draft or returned report to finance (who are told). Returns the status it had.

    :raises MissingFigures: a required figure is empty
    :raises InvalidTransition: the report is not a draft or returned
    :raises ChangedMeanwhile: the report changed since it was loaded
    """
    missing = missing_figures(figures_of(report))
    if missing:
        raise MissingFigures(missing)
    previous = lifecycle.move(report, ReportStatus.submitted, actor=actor, submitted_at=now,
                              submitted_by_id=actor.id, updated_at=now)
    report_mail.tell(report, report_mail.SUBMITTED, actor=actor, now=now)
    return previous


# ---- finance -----------------------------------------------------------------------------------

def verify(report: AnnualReport, *, actor, now: datetime) -> None:
    """Verify a submitted report: its figures count and are frozen; the reporters are told.

    :raises InvalidTransition, ChangedMeanwhile: as `lifecycle.move`
    """
    lifecycle.move(report, ReportStatus.verified, actor=actor, verified_at=now, verified_by_id=actor.id,
                   updated_at=now)
    report_mail.tell(report, report_mail.VERIFIED, actor=actor, now=now)


def return_for_changes(report: AnnualReport, comment: str, *, actor, now: datetime) -> None:
    """Return a submitted report with finance's comment (the reporters are told and see it).

    :raises ValidationFailed: the comment is empty or too long
    :raises InvalidTransition, ChangedMeanwhile: as `lifecycle.move`
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed("Say what needs to change: the school sees your comment.")
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"The comment is at most {COMMENT_MAX:,} characters.")
    lifecycle.move(report, ReportStatus.returned, actor=actor, details={"comment": comment}, returned_at=now,
                   returned_by_id=actor.id, comment=comment, updated_at=now)
    report_mail.tell(report, report_mail.RETURNED, actor=actor, now=now)


# ---- corrections ---------------------------------------------------------------------------------

def start_correction(report: AnnualReport, reason: str, *, actor, now: datetime) -> AnnualReport:
    """A new draft revision of a verified report's year, with its figures and `reason`; the
    verified figures still count until the correction is verified. Audited.

    :raises ValidationFailed: no reason, or too long
    :raises InvalidTransition: `report` is not verified
    :raises RevisionOpen: the year already has an open revision
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the figures need correcting: it is kept with the new revision.")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"The reason is at most {REASON_MAX:,} characters.")
    if ReportStatus(report.status) is not ReportStatus.verified:
        raise InvalidTransition("Only a verified report can be corrected; this one can still be changed.")
    already = open_revision(report.school_id, report.year)
    if already is not None:
        raise RevisionOpen(already)
    latest = db.session.scalar(sa.select(sa.func.max(AnnualReport.revision)).where(
        AnnualReport.school_id == report.school_id, AnnualReport.year == report.year))
    correction = AnnualReport(school_id=report.school_id, year=report.year, revision=latest + 1,
                              status=ReportStatus.draft, reason=reason, created_by_id=actor.id, created_at=now,
                              updated_at=now, **figures_of(report))
    try:
        with db.session.begin_nested():
            db.session.add(correction)
    except IntegrityError:  # another correction of the year, at the same moment
        raise RevisionOpen() from None
    audit.record(actor, "sustainability.report.correction_started", correction, school_id=report.school_id,
                 year=report.year, revision=correction.revision, corrects=report.id, reason=reason)
    return correction
