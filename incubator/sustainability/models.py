"""Sustainability: the people who report for a school (and their invitations), each year's
annual report (revisions: a verified one is frozen, a correction is a new revision), and an
organisation's settings (glide path, city enrollment, when reports are due).

The school itself is `incubation.models.School` (made by a launch outcome, a school-transition
grant, finance, or an import), completed here.
"""
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from incubator.accounts.models import User
from incubator.core.invitations import InvitationLink
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import metrics
from incubator.sustainability.states import ReportStatus

COMMENT_MAX = 4_000
REASON_MAX = 1_000
# Beyond any school's budget (a billion dollars): refused as a typo, and within a BIGINT anyway.
MAX_CENTS = 1_000_000_000_00
MAX_ENROLLMENT = 100_000
# The money columns of a report, in the order of the form and of the CSV import.
MONEY_FIELDS = ("public_state_local_cents", "public_federal_cents", "philanthropic_cents", "other_revenue_cents",
                "operating_expenses_cents", "total_expenses_cents", "unrestricted_cash_cents",
                "current_assets_cents", "current_liabilities_cents")
ENROLLMENT_FIELDS = ("budgeted_enrollment", "actual_enrollment")
ACADEMIC_FIELDS = ("math_growth_hundredths", "ela_growth_hundredths", "college_ready_permille")
FIGURE_FIELDS = ENROLLMENT_FIELDS + MONEY_FIELDS + ACADEMIC_FIELDS
# What a submission must have (the academic outcomes are optional).
REQUIRED_FIELDS = ("fiscal_year",) + ENROLLMENT_FIELDS + MONEY_FIELDS


class SustainabilitySettings(db.Model):
    """An organisation's sustainability settings (a row only once finance changed a default)."""

    __tablename__ = "sustainability_settings"
    __table_args__ = (
        sa.CheckConstraint("glide_year_1 BETWEEN 1 AND 200 AND glide_year_2 BETWEEN 1 AND 200 AND "
                           "glide_year_3 BETWEEN 1 AND 200 AND glide_year_4 BETWEEN 1 AND 200",
                           name="glide_path_percent"),
        sa.CheckConstraint("city_enrollment IS NULL OR city_enrollment >= 1", name="city_enrollment_positive"),
        sa.CheckConstraint("report_due_month BETWEEN 1 AND 12 AND report_due_day BETWEEN 1 AND 31",
                           name="report_due_date"),
    )

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    glide_year_1: Mapped[int] = mapped_column(default=metrics.DEFAULT_GLIDE_PATH[0])
    glide_year_2: Mapped[int] = mapped_column(default=metrics.DEFAULT_GLIDE_PATH[1])
    glide_year_3: Mapped[int] = mapped_column(default=metrics.DEFAULT_GLIDE_PATH[2])
    glide_year_4: Mapped[int] = mapped_column(default=metrics.DEFAULT_GLIDE_PATH[3])
    # The city's public-school enrollment, for the portfolio's market share (New Orleans: 44,900).
    city_enrollment: Mapped[int | None]
    # Year n's report is due on this month and day after its fiscal year ends (30 June).
    report_due_month: Mapped[int] = mapped_column(default=10)
    report_due_day: Mapped[int] = mapped_column(default=31)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def glide_path(self) -> tuple[int, int, int, int]:
        return (self.glide_year_1, self.glide_year_2, self.glide_year_3, self.glide_year_4)

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


def settings_of(organisation_id: int) -> SustainabilitySettings:
    """The organisation's settings, or the defaults (an unsaved row) if it has none."""
    saved = db.session.get(SustainabilitySettings, organisation_id)
    if saved is not None:
        return saved
    return SustainabilitySettings(organisation_id=organisation_id, glide_year_1=metrics.DEFAULT_GLIDE_PATH[0],
                                  glide_year_2=metrics.DEFAULT_GLIDE_PATH[1],
                                  glide_year_3=metrics.DEFAULT_GLIDE_PATH[2],
                                  glide_year_4=metrics.DEFAULT_GLIDE_PATH[3], city_enrollment=None,
                                  report_due_month=10, report_due_day=31)


class SchoolReporter(db.Model):
    """A person who reports for a school (besides the members of the school's team, who all do)."""

    __tablename__ = "school_reporters"
    __table_args__ = (sa.UniqueConstraint("school_id", "user_id", name="one_row_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    school: Mapped[School] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def audit_organisation_id(self) -> int:
        return self.school.organisation_id


class SchoolInvitation(InvitationLink, db.Model):
    """An emailed invitation to report for a school; accepting it makes a SchoolReporter."""

    __tablename__ = "school_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"), index=True)

    school: Mapped[School] = relationship()

    @property
    def audit_organisation_id(self) -> int:
        return self.school.organisation_id


class AnnualReport(db.Model):
    """One revision of a school's report for one of its years 1-4.

    Revision 1 is the first report of the year; a correction of a verified report is revision
    n+1 (with its reason), and while it is not verified the verified one still counts. At most
    one revision of a year is open (not verified) at a time. Figures are in cents (money),
    students (enrollment), hundredths of a year (growth) and tenths of a percent (college-ready).
    """

    __tablename__ = "annual_reports"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "year", "revision", name="one_row_per_revision"),
        sa.Index("uq_annual_reports_one_open", "school_id", "year", unique=True,
                 sqlite_where=sa.text("status <> 'verified'"), postgresql_where=sa.text("status <> 'verified'")),
        sa.CheckConstraint("year BETWEEN 1 AND 4", name="year_1_to_4"),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        sa.CheckConstraint("revision = 1 OR reason <> ''", name="correction_has_reason"),
        sa.CheckConstraint("status IN ('draft') OR submitted_at IS NOT NULL", name="submitted_at_unless_draft"),
        sa.CheckConstraint("status <> 'verified' OR (verified_at IS NOT NULL)", name="verified_has_record"),
        sa.CheckConstraint("status <> 'returned' OR comment <> ''", name="returned_has_comment"),
        sa.CheckConstraint("fiscal_year IS NULL OR fiscal_year BETWEEN 1990 AND 2200", name="fiscal_year_range"),
        sa.CheckConstraint(
            " AND ".join(f"({name} IS NULL OR {name} >= 0)" for name in FIGURE_FIELDS),
            name="figures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int]
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[ReportStatus] = mapped_column(default=ReportStatus.draft, index=True)
    version: Mapped[int] = mapped_column(default=1)
    # The fiscal year the report covers, by the calendar year it ends in (2026: July 2025 - June 2026).
    fiscal_year: Mapped[int | None]
    budgeted_enrollment: Mapped[int | None]
    actual_enrollment: Mapped[int | None]        # the October count
    public_state_local_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    public_federal_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    philanthropic_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    other_revenue_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    operating_expenses_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    total_expenses_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    unrestricted_cash_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    current_assets_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    current_liabilities_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    math_growth_hundredths: Mapped[int | None]   # 150 = 1.5 years of growth
    ela_growth_hundredths: Mapped[int | None]
    college_ready_permille: Mapped[int | None]   # 625 = 62.5% meeting the benchmarks
    # A correction's reason (revision 2 on), and finance's comment when it returned the report.
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    returned_at: Mapped[datetime | None]
    returned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Past reports imported from a CSV file arrive verified, by the person who imported them.
    imported: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    school: Mapped[School] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def audit_organisation_id(self) -> int:
        return self.school.organisation_id

    @property
    def frozen(self) -> bool:
        return ReportStatus(self.status) is ReportStatus.verified

    def figures(self) -> metrics.YearFigures:
        """The report as the metrics read it."""
        return figures_of(self.year, *(getattr(self, name) for name in FIGURE_FIELDS))


def figures_of(year: int, *values) -> metrics.YearFigures:
    """metrics.YearFigures from the FIGURE_FIELDS values of a row, in that order (also for a
    query that selects those columns, without loading reports)."""
    named = dict(zip(FIGURE_FIELDS, values, strict=True))
    math, ela, ready = (named.pop(name) for name in ACADEMIC_FIELDS)
    return metrics.YearFigures(
        year=year, **named,
        math_growth=None if math is None else Fraction(math, 100),
        ela_growth=None if ela is None else Fraction(ela, 100),
        college_ready=None if ready is None else Fraction(ready, 1000))


def report_columns():
    """The columns `figures_of` reads, after the year: select(AnnualReport.year, *report_columns())."""
    return tuple(getattr(AnnualReport, name) for name in FIGURE_FIELDS)


# A verified report is frozen: the ORM refuses to change or delete it (the database refuses to
# change it too: the triggers below, also made by the migration).
FROZEN_MESSAGE = "A verified report is frozen; a correction is a new revision."


@event.listens_for(AnnualReport, "before_update")
def _refuse_update_of_verified(mapper, connection, target):
    history = sa.inspect(target).attrs.status.history
    was = history.deleted[0] if history.deleted else target.status
    if ReportStatus(was) is ReportStatus.verified:
        raise RuntimeError(FROZEN_MESSAGE)


@event.listens_for(AnnualReport, "before_delete")
def _refuse_delete_of_verified(mapper, connection, target):
    if ReportStatus(target.status) is ReportStatus.verified:
        raise RuntimeError(FROZEN_MESSAGE)


REPORT_TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION annual_reports_verified_frozen() RETURNS trigger AS $$ "
        "BEGIN IF OLD.status = 'verified' THEN RAISE EXCEPTION 'A verified report is frozen.'; END IF; "
        "RETURN NEW; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER annual_reports_verified_frozen BEFORE UPDATE ON annual_reports "
        "FOR EACH ROW EXECUTE FUNCTION annual_reports_verified_frozen()",
    ],
    "sqlite": [
        "CREATE TRIGGER annual_reports_verified_frozen BEFORE UPDATE ON annual_reports "
        "WHEN OLD.status = 'verified' BEGIN SELECT RAISE(ABORT, 'A verified report is frozen.'); END",
    ],
}
for _dialect, _statements in REPORT_TRIGGERS.items():
    for _statement in _statements:
        event.listen(AnnualReport.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))

