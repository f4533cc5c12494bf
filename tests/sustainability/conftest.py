"""Fixtures of sustainability: an organisation with finance (two-factor enrolled), program staff,
a school opened in 2024 with its reporting team (a lead and a member) and a named reporter, and
`make_report` / `figures` for reports in any state, built straight from the models so every
area's tests start from the same place (never use `put` in the code under test).

The default figures (`FIGURES`) give, for year 1 with the default glide path:
coverage 1,700,000 / 2,000,000 = 85% (meets 70%); enrollment 190/200 = 95% (meets, at the edge);
days cash 300,000 * 365 / 2,100,000 = 52.14 (meets the year-1-2 bar of 30); current ratio
500,000 / 300,000 = 1.67 (meets); total margin (2,110,000 - 2,100,000) / 2,110,000 = 0.47% (meets);
philanthropic dependence 400,000 / 2,000,000 = 20%.
"""
import pytest

from incubator.accounts.models import Role
from incubator.applications.models import Team, TeamMember
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport, SchoolReporter
from incubator.sustainability.states import ReportStatus, SchoolSource

FIGURES = dict(fiscal_year=2025, budgeted_enrollment=200, actual_enrollment=190,
               public_state_local_cents=1_500_000_00, public_federal_cents=200_000_00,
               philanthropic_cents=400_000_00, other_revenue_cents=10_000_00,
               operating_expenses_cents=2_000_000_00, total_expenses_cents=2_100_000_00,
               unrestricted_cash_cents=300_000_00, current_assets_cents=500_000_00,
               current_liabilities_cents=300_000_00)


class SustainabilityWorld:
    def __init__(self, org, finance, staff, school, lead, member, reporter):
        self.org, self.finance, self.staff, self.school = org, finance, staff, school
        self.lead, self.member, self.reporter = lead, member, reporter

    def make_report(self, year: int = 1, status: ReportStatus = ReportStatus.verified, *, school: School | None = None,
                    revision: int = 1, **figures) -> AnnualReport:
        """A report of `school` (the world's) in `status`, with FIGURES overridden by `figures`."""
        school = school or self.school
        now = utcnow()
        values = {**FIGURES, "fiscal_year": (school.planned_opening_year or 2024) + year, **figures}
        report = AnnualReport(school_id=school.id, year=year, revision=revision, status=status,
                              reason="" if revision == 1 else "Auditor's correction", created_by_id=self.lead.id,
                              **values)
        if status is not ReportStatus.draft:
            report.submitted_at, report.submitted_by_id = now, self.lead.id
        if status is ReportStatus.returned:
            report.returned_at, report.returned_by_id, report.comment = now, self.finance.id, "Check the cash."
        if status is ReportStatus.verified:
            report.verified_at, report.verified_by_id = now, self.finance.id
        db.session.add(report)
        db.session.commit()
        return report

    def make_school(self, name: str = "Second Line Academy", *, opening_year: int = 2024, team=None,
                    source: SchoolSource = SchoolSource.direct, org=None) -> School:
        school = School(organisation_id=(org or self.org).id, name=name, grades="K-5",
                        planned_opening_year=opening_year, source=source, team_id=team.id if team else None,
                        created_by_id=self.finance.id)
        db.session.add(school)
        db.session.commit()
        return school


@pytest.fixture
def school_world(org, finance, staff, make_user, grant_role):
    lead = make_user("lead@example.org", name="Lee Lead")
    member = make_user("member@example.org", name="Mo Member")
    reporter = make_user("rita@example.org", name="Rita Reporter")
    team = Team(name="Bayou Learning Lab")
    team.members.extend([TeamMember(user=lead, is_lead=True), TeamMember(user=member)])
    db.session.add(team)
    db.session.flush()
    school = School(organisation_id=org.id, team_id=team.id, name="Bayou Learning Lab", grades="K-5",
                    planned_opening_year=2024, target_enrollment=200, source=SchoolSource.direct,
                    created_by_id=finance.id)
    db.session.add(school)
    db.session.flush()
    db.session.add(SchoolReporter(school_id=school.id, user_id=reporter.id, added_by_id=finance.id))
    db.session.commit()
    return SustainabilityWorld(org, finance, staff, school, lead, member, reporter)


@pytest.fixture
def other_org_finance(make_org, make_user, grant_role):
    """Finance of another organisation (enrolled): sees none of the world's schools."""
    other = make_org("Other City Schools", slug="other-city")
    return grant_role(make_user("otherfinance@example.org", name="Olive Other"), other, Role.finance)
