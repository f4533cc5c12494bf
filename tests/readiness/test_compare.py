"""Staff compare every team of a challenge: sortable composites with spread, and the CSV."""
import csv
import io

from incubator.extensions import db
from incubator.readiness.models import Instrument
from tests.readiness.conftest import open_assessment, rate


def _rated_team(make_client, make_setup, org, challenge, value, raters):
    setup = make_setup(org)
    setup.application.challenge = challenge
    db.session.commit()
    assessment = open_assessment(make_client(setup.lead), setup.application)
    for person in setup.members[:raters]:
        rate(make_client(person), assessment, lambda i, item: value)
    return setup


def test_staff_sort_the_teams_by_a_domain_and_export_them(make_client, make_setup, org, staff, count_statements):
    base = make_setup(org)
    low = _rated_team(make_client, make_setup, org, base.challenge, "1", raters=2)
    high = _rated_team(make_client, make_setup, org, base.challenge, "4", raters=1)
    instrument = db.session.get(Instrument, base.instrument.id)
    key = instrument.domains[0].key
    client = make_client(staff)
    page = client.get(f"/readiness/challenges/{base.challenge.id}/compare?sort={key}&dir=desc").text
    assert page.index(high.team.name) < page.index(low.team.name) < page.index(base.team.name)  # unrated last
    assert "one rater" in page and "spread 0.00" in page and 'aria-sort="descending"' in page
    page = client.get(f"/readiness/challenges/{base.challenge.id}/compare?sort={key}&dir=asc").text
    assert page.index(low.team.name) < page.index(high.team.name) < page.index(base.team.name)
    response = client.get(f"/readiness/challenges/{base.challenge.id}/compare.csv?sort={key}&dir=desc")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Team", "School", "Assessment", "Status", "Members who completed"]
    assert rows[0][5] == f"{instrument.domains[0].title} composite"
    assert rows[1][0] == high.team.name and rows[1][5:7] == ["4.00", "one rater"]
    assert rows[2][0] == low.team.name and rows[2][5:7] == ["1.00", "0.00"]
    assert rows[3][0] == base.team.name and rows[3][5:7] == ["", ""]
    url = f"/readiness/challenges/{base.challenge.id}/compare"
    client.get(url)
    few = count_statements(lambda: client.get(url))
    for n in range(3):
        _rated_team(make_client, make_setup, org, base.challenge, "2", raters=1)
    client.get(url)
    assert count_statements(lambda: client.get(url)) == few  # independent of the number of teams


def test_a_team_name_that_looks_like_a_formula_is_inert_in_the_csv(make_client, make_setup, org, staff):
    setup = make_setup(org)
    setup.team.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    text = make_client(staff).get(f"/readiness/challenges/{setup.challenge.id}/compare.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
