"""The sustainability portfolio of an organisation with 500 schools x 4 years of verified annual
reports (opened 2021-2024, so some have all four years and some fewer; coverage spread so every
status appears), seen by finance: the dashboard (first page, filtered by status, a late page),
its CSV, a school's page; and the portfolio PDF of 100 schools with their charts.

Budgets (issue 11): the dashboard's median under 100 ms with 500 schools x 4 years, its SQL
statements independent of the number of schools (compare `--size 50`); the portfolio PDF of
100 schools under 3 s.
"""
import time

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.demo import DEMO_TOTP_SECRET, seed_accounts
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport, SustainabilitySettings
from incubator.sustainability.states import ReportStatus

NAME = "sustainability"
SIZE = 500  # schools
PDF_SCHOOLS = 100


def _coverage(school: int, year: int) -> int:
    """Coverage (percent) of the school's year: a spread of starts and slopes."""
    start, slope = 58 + school % 17, 4 + school % 9
    return start + slope * (year - 1)


def _report(school_id: int, school: int, year: int, opening: int, finance_id: int, now) -> dict:
    enrolled = 150 + school % 300
    public = enrolled * 11_000_00
    operating = public * 100 // _coverage(school, year)
    total = operating * 103 // 100
    return {"school_id": school_id, "year": year, "revision": 1, "status": ReportStatus.verified, "version": 1,
            "fiscal_year": opening + year, "budgeted_enrollment": enrolled + 5, "actual_enrollment": enrolled,
            "public_state_local_cents": public * 88 // 100, "public_federal_cents": public - public * 88 // 100,
            "philanthropic_cents": max(0, total - public), "other_revenue_cents": 1_000_00,
            "operating_expenses_cents": operating, "total_expenses_cents": total,
            "unrestricted_cash_cents": total * (20 + school % 60) // 365, "current_assets_cents": total // 5,
            "current_liabilities_cents": total // 7, "math_growth_hundredths": 110 + school % 60,
            "ela_growth_hundredths": 100 + school % 70, "college_ready_permille": 500 + school % 400,
            "reason": "", "comment": "", "created_at": now, "updated_at": now, "submitted_at": now,
            "verified_at": now, "verified_by_id": finance_id, "imported": True}


def seed(size):
    org = seed_accounts()
    now = utcnow()
    finance = db.session.scalar(sa.select(User).filter_by(email="finance@example.org"))
    finance.totp_secret, finance.two_factor_enabled_at = DEMO_TOTP_SECRET, now
    db.session.add(SustainabilitySettings(organisation_id=org.id, city_enrollment=44_900))
    openings = [2021 + s % 4 for s in range(size)]
    school_ids = db.session.scalars(sa.insert(School).returning(School.id, sort_by_parameter_order=True), [
        {"organisation_id": org.id, "name": f"Bench School {s:04d}", "grades": "K-8",
         "planned_opening_year": openings[s], "target_enrollment": 400, "source": "imported",
         "created_at": now, "created_by_id": finance.id} for s in range(size)]).all()
    rows = []
    for s, school_id in enumerate(school_ids):
        years = 4 - (openings[s] - 2021) if s % 10 else 0  # 1 in 10 has no verified year yet
        rows += [_report(school_id, s, year, openings[s], finance.id, now) for year in range(1, years + 1)]
    for start in range(0, len(rows), 2_000):
        db.session.execute(sa.insert(AnnualReport), rows[start:start + 2_000])
    db.session.commit()


def requests():
    from incubator.accounts.models import Organisation

    org_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == "nsno"))
    school_id = db.session.scalar(sa.select(School.id).where(School.name == "Bench School 0001"))
    base = f"/sustainability/portfolio/{org_id}"
    return [
        ("portfolio: first page", "finance@example.org", base),
        ("portfolio: at risk", "finance@example.org", f"{base}?status=at_risk"),
        ("portfolio: page 5", "finance@example.org", f"{base}?page=5"),
        ("portfolio: search", "staff@example.org", f"{base}?q=School+04"),
        ("portfolio: CSV", "finance@example.org", f"{base}/schools.csv"),
        ("school page (4 years)", "finance@example.org", f"/sustainability/schools/{school_id}"),
    ]


def figures(size):
    """The portfolio PDF of PDF_SCHOOLS schools with their charts, loaded and rendered as the job does."""
    from incubator.accounts.models import Organisation
    from incubator.core.timeutil import utcnow
    from incubator.sustainability import figures as loading, pdfs
    from incubator.sustainability.models import settings_of

    org = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "nsno"))
    schools = sa.select(School).where(School.organisation_id == org.id).order_by(School.name).limit(PDF_SCHOOLS)
    best = None
    for _ in range(3):
        started = time.perf_counter()
        settings = settings_of(org.id)
        summaries = loading.portfolio(org.id, schools=schools)
        document = pdfs.PortfolioDocument(org.name, org.timezone, settings.glide_path, summaries,
                                          loading.totals(summaries, settings.city_enrollment), utcnow())
        data = pdfs.render_portfolio(document)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        db.session.expire_all()
    return [(f"portfolio PDF, {len(summaries)} schools with charts ({len(data) // 1024} KB)",
             f"{best * 1000:.0f} ms", "< 3000 ms")]
