"""Demo data of sustainability (registered with core.demo; safe to run twice, sends no mail).

Six schools of the demo organisation, opened 2022-2025, so the portfolio shows every status:

- Esplanade Prep (2022): years 1-4 verified, 72 -> 103% coverage: on track, sustainable in year 4;
- Bywater Community School (2022): years 1-4 verified, 93% in year 4: at risk (not there yet);
- Gentilly Launch Academy (2023): years 1-3 verified, 74 -> 95%: on track;
- Mid-City Makers (2024): years 1-2 verified, 66 and 72% (glide path 80%), projected 84%: off
  track, with under-enrollment and thin cash;
- Algiers Point Academy (2024): year 1 verified (72%), year 2 returned by finance with a comment
  (the lead reports for it: the "fix and resubmit" step is waiting);
- St. Roch Discovery School (2025): its year-1 report is submitted and awaits finance: undetermined.

The organisation's city enrollment is New Orleans' 44,900 public-school students.
"""
from datetime import timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation, User
from incubator.core.demo import get_or_create_user, seeder
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import dates
from incubator.sustainability.models import AnnualReport, SchoolReporter, SustainabilitySettings
from incubator.sustainability.states import ReportStatus, SchoolSource

CITY_ENROLLMENT = 44_900
PER_PUPIL_DOLLARS = 11_400
PRINCIPAL = ("leader@example.org", "Lou Leader")

# name, grades, opening year, source, budgeted enrollment by year,
# [(coverage %, enrollment met %, days cash, status)] by year, reporter email
SCHOOLS = [
    ("Esplanade Prep", "K-8", 2022, SchoolSource.imported, (240, 320, 400, 470),
     [(72, 98, 38, "v"), (83, 97, 45, "v"), (94, 99, 62, "v"), (103, 100, 75, "v")], PRINCIPAL[0]),
    ("Bywater Community School", "6-8", 2022, SchoolSource.imported, (180, 240, 300, 330),
     [(68, 96, 33, "v"), (76, 95, 36, "v"), (85, 94, 48, "v"), (93, 96, 55, "v")], PRINCIPAL[0]),
    ("Gentilly Launch Academy", "K-5", 2023, SchoolSource.direct, (200, 280, 350),
     [(74, 97, 40, "v"), (85, 99, 44, "v"), (95, 98, 63, "v")], PRINCIPAL[0]),
    ("Mid-City Makers", "9-12", 2024, SchoolSource.direct, (260, 320),
     [(66, 86, 24, "v"), (72, 83, 14, "v")], PRINCIPAL[0]),
    ("Algiers Point Academy", "K-4", 2024, SchoolSource.direct, (150, 220),
     [(72, 97, 41, "v"), (79, 95, 39, "r")], "lead@example.org"),
    ("St. Roch Discovery School", "K-2", 2025, SchoolSource.direct, (120,),
     [(70, 93, 31, "s")], PRINCIPAL[0]),
]
RETURNED_COMMENT = ("The operating expenses do not match the audited statement (line 14). Please correct "
                    "them and resubmit.")


def _figures(opening_year: int, year: int, budgeted: int, coverage: int, enrolled: int, days_cash: int) -> dict:
    actual = round(budgeted * enrolled / 100)
    public = actual * PER_PUPIL_DOLLARS * 100
    operating = round(public * 100 / coverage)
    total = round(operating * 1.03)
    other = round(operating * 0.01)
    philanthropic = max(0, round(total * (1.005 if days_cash >= 30 else 0.96)) - public - other)
    cash = round(total * days_cash / 365)
    assets = round(cash * 1.35)
    liabilities = round(assets / (1.6 if days_cash >= 30 else 1.0))
    math, ela, ready = 125 + 9 * year, 118 + 8 * year, 520 + 40 * year
    return dict(fiscal_year=dates.fiscal_year(opening_year, year), budgeted_enrollment=budgeted,
                actual_enrollment=actual, public_state_local_cents=round(public * 0.88),
                public_federal_cents=public - round(public * 0.88), philanthropic_cents=philanthropic,
                other_revenue_cents=other, operating_expenses_cents=operating, total_expenses_cents=total,
                unrestricted_cash_cents=cash, current_assets_cents=assets, current_liabilities_cents=liabilities,
                math_growth_hundredths=math, ela_growth_hundredths=ela, college_ready_permille=ready)


@seeder
def seed_sustainability(org: Organisation) -> None:
    finance = db.session.scalar(sa.select(User).where(User.email == "finance@example.org"))
    if finance is None:
        return
    if db.session.scalar(sa.select(School.id).where(School.organisation_id == org.id,
                                                    School.name == SCHOOLS[0][0]).limit(1)):
        return  # seeded before
    if db.session.get(SustainabilitySettings, org.id) is None:
        db.session.add(SustainabilitySettings(organisation_id=org.id, city_enrollment=CITY_ENROLLMENT,
                                              updated_by_id=finance.id))
    principal = get_or_create_user(*PRINCIPAL)
    now = utcnow()
    for name, grades, opening, source, budgets, years, reporter_email in SCHOOLS:
        school = School(organisation_id=org.id, name=name, grades=grades, planned_opening_year=opening,
                        target_enrollment=budgets[-1], source=source, created_by_id=finance.id)
        db.session.add(school)
        db.session.flush()
        reporter = principal if reporter_email == PRINCIPAL[0] else db.session.scalar(
            sa.select(User).where(User.email == reporter_email))
        if reporter is not None:
            db.session.add(SchoolReporter(school_id=school.id, user_id=reporter.id, added_by_id=finance.id))
        for year, ((coverage, enrolled, days, state), budgeted) in enumerate(zip(years, budgets, strict=True), 1):
            due = dates.due_on(opening, year)
            at = min(now - timedelta(days=2), now.replace(year=due.year, month=due.month, day=due.day)
                     - timedelta(days=10))
            report = AnnualReport(school_id=school.id, year=year, created_by_id=reporter.id if reporter else None,
                                  created_at=at, updated_at=at, submitted_at=at,
                                  submitted_by_id=reporter.id if reporter else None,
                                  imported=source is SchoolSource.imported,
                                  **_figures(opening, year, budgeted, coverage, enrolled, days))
            if state == "v":
                report.status, report.verified_at, report.verified_by_id = (ReportStatus.verified,
                                                                            at + timedelta(days=5), finance.id)
            elif state == "r":
                report.status, report.returned_at, report.returned_by_id = (ReportStatus.returned,
                                                                            now - timedelta(days=1), finance.id)
                report.comment = RETURNED_COMMENT
            else:
                report.status = ReportStatus.submitted
            db.session.add(report)
    db.session.flush()
