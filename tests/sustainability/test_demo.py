"""The demo seed: six schools whose verified reports show every status, the city's enrollment,
a returned report waiting on the lead and a submitted one waiting on finance; safe to run twice."""
import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability import figures
from incubator.sustainability.demo import CITY_ENROLLMENT, SCHOOLS
from incubator.sustainability.models import AnnualReport, settings_of
from incubator.sustainability.states import ReportStatus, Status


def test_the_demo_portfolio_shows_every_status(app, mailbox):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    org = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "nsno"))
    summaries = {s.school.name: s for s in figures.portfolio(org.id) if s.school.name in {n for n, *_ in SCHOOLS}}
    assert len(summaries) == 6
    statuses = {name: s.trajectory.status for name, s in summaries.items()}
    assert statuses == {"Esplanade Prep": Status.on_track, "Bywater Community School": Status.at_risk,
                        "Gentilly Launch Academy": Status.on_track, "Mid-City Makers": Status.off_track,
                        "Algiers Point Academy": Status.on_track, "St. Roch Discovery School": Status.undetermined}
    totals = figures.totals(list(summaries.values()), settings_of(org.id).city_enrollment)
    assert settings_of(org.id).city_enrollment == CITY_ENROLLMENT == 44_900
    assert (totals.reached_year_4, totals.sustainable_year_4) == (2, 1)
    assert totals.market.share is not None and totals.market.targets[0][1] is True
    by_status = dict(db.session.execute(sa.select(AnnualReport.status, sa.func.count()).group_by(AnnualReport.status)).all())
    assert by_status == {ReportStatus.verified: 14, ReportStatus.returned: 1, ReportStatus.submitted: 1}
    assert db.session.scalar(sa.select(sa.func.count(School.id)).where(School.name == "Esplanade Prep")) == 1
    assert mailbox.messages == []
