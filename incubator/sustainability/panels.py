"""Dashboard panels and navigation links of sustainability (registered with core.dashboard).

- Nav "Schools": the portfolio for finance, program staff and admins; "Your schools" for the
  people who report for a school.
- A reporter: "Your school reports": each school's reports that wait on them (a draft, one
  finance returned) and the next one due.
- Finance: "N annual reports await verification".

Each is one or two queries, whatever the number of schools.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for

from incubator.accounts.models import Role
from incubator.core.dashboard import NavItem, Panel, nav_provider, provider
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import dates
from incubator.sustainability.models import AnnualReport, settings_of
from incubator.sustainability.permissions import reporting_school_ids
from incubator.sustainability.states import ReportStatus


def _reports_for_something(user) -> bool:
    return db.session.scalar(sa.select(reporting_school_ids(user).subquery().c[0]).limit(1)) is not None


@nav_provider
def nav(user):
    if user is None:
        return []
    if user.is_admin or user.organisations_with(Role.program_staff, Role.finance):
        return [NavItem("Schools", url_for("sustainability.portfolio_home"))]
    if _reports_for_something(user):
        return [NavItem("Your schools", url_for("sustainability.index"))]
    return []


@dataclass(frozen=True)
class Waiting:
    school: School
    year: int
    status: ReportStatus | None   # None: not started
    due_on: date | None
    report_id: int | None


@provider
def my_reports(user):
    """The reports that wait on a reporter: returned or draft ones, and each school's next year due."""
    schools = list(db.session.scalars(sa.select(School).where(School.id.in_(reporting_school_ids(user)))
                                      .order_by(School.name)))
    if not schools:
        return None
    rows = db.session.execute(
        sa.select(AnnualReport.school_id, AnnualReport.year, AnnualReport.status, AnnualReport.id)
        .where(AnnualReport.school_id.in_([s.id for s in schools]))
        .order_by(AnnualReport.revision)).all()
    latest = {(school_id, year): (ReportStatus(status), report_id) for school_id, year, status, report_id in rows}
    today = utcnow().date()
    waiting = []
    for school in schools:
        opening = school.opening_year
        if opening is None:
            continue
        settings = settings_of(school.organisation_id)
        for year in range(1, 5):
            status, report_id = latest.get((school.id, year), (None, None))
            if status in (ReportStatus.submitted, ReportStatus.verified):
                continue
            if status is None and dates.current_year(opening, today) <= year:
                break  # the year has not ended: nothing to report yet
            due = dates.due_on(opening, year, settings.report_due_month, settings.report_due_day)
            waiting.append(Waiting(school, year, status, due, report_id))
            break
    return Panel("Your school reports", "sustainability/panel_reporter.html",
                 {"waiting": waiting, "schools": schools, "today": today}, order=6)


@provider
def to_verify(user):
    orgs = user.organisations_with(Role.finance) if not user.is_admin else None
    if not user.is_admin and not orgs:
        return None
    query = (sa.select(sa.func.count(AnnualReport.id)).join(School, School.id == AnnualReport.school_id)
             .where(AnnualReport.status == ReportStatus.submitted))
    if orgs is not None:
        query = query.where(School.organisation_id.in_(orgs))
    count = db.session.scalar(query)
    if not count:
        return None
    return Panel("Annual reports to verify", "sustainability/panel_finance.html", {"count": count}, order=7)
