"""The grid's filters (GET parameters of a form that works without JavaScript): state, one
milestone, a search by name, "only required for launch"; the counts follow them and say so; hostile
values are ignored, never a 500."""
from datetime import timedelta

import pytest

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.states import MilestoneStatus
from tests.incubation.grid_helpers import Page, everything_later, set_state


@pytest.fixture
def three(make_incubation_world, org, staff):
    """Three teams, everything due in 60 days, except: team 0 late on training and sent back on
    community input; team 1 awaiting review on the prototype; team 2 approved on training."""
    world = make_incubation_world(org, staff, teams=3)
    everything_later(world)
    yesterday = utcnow().date() - timedelta(days=1)
    set_state(world.milestone(0, "Design"), MilestoneStatus.pending, due_on=yesterday)
    set_state(world.milestone(0, "Community"), MilestoneStatus.changes_requested, activity="Changes requested")
    set_state(world.milestone(1, "Prototype"), MilestoneStatus.submitted, activity="Submitted")
    set_state(world.milestone(2, "Design"), MilestoneStatus.approved, due_on=yesterday, activity="Approved")
    db.session.commit()
    return world


@pytest.fixture
def get(three, make_client):
    browser = make_client(three.staff)

    def get(query: str = "") -> Page:
        response = browser.get(f"/incubation/cohorts/{three.cohort.id}{query}")
        assert response.status_code == 200, (query, response.status_code)
        return Page(response.text)

    return get


def schools(world, *indexes) -> list[str]:
    return [world.applications[i].school_name for i in indexes]


def shown(page: Page) -> list[str]:
    return [header.split(" Bayou Lab")[0] for header in page.schools]


def test_unfiltered_everything_is_counted_and_no_note(three, get):
    page = get()
    assert shown(page) == schools(three, 0, 1, 2) and len(page.columns) == 7
    assert page.counts == {"on time": 18, "overdue": 1, "awaiting review": 1, "approved": 1}
    assert "cover only the milestones the filters show" not in page.html


def test_overdue_keeps_the_late_teams_and_columns_and_counts_only_them(three, get):
    page = get("?state=overdue")
    assert shown(page) == schools(three, 0)
    assert page.columns == ["1. Design-thinking training"]
    assert "Overdue" in page.cell(schools(three, 0)[0], "Design")["text"]
    assert page.counts == {"on time": 0, "overdue": 1, "awaiting review": 0, "approved": 0}
    assert "The counts and the next due dates cover only the milestones the filters show." in page.html
    assert 'selected>Overdue</option>' in page.html  # the form shows what is applied


def test_each_state_keeps_its_cells(three, get):
    assert shown(get("?state=awaiting_review")) == schools(three, 1)
    assert get("?state=awaiting_review").columns == ["3. Prototype pilot"]
    assert shown(get("?state=changes_requested")) == schools(three, 0)
    assert shown(get("?state=approved")) == schools(three, 2)
    page = get("?state=not_submitted")
    assert shown(page) == schools(three, 0, 1, 2)
    assert page.counts["on time"] == 17 and page.counts["overdue"] == 1  # the one sent back is not "not submitted"
    assert page.counts["awaiting review"] == page.counts["approved"] == 0


def test_a_cell_outside_the_filter_keeps_its_state_in_words_and_its_link(three, get):
    page = get("?state=changes_requested")
    row = page.row(schools(three, 0)[0])
    assert page.columns == ["2. Community input sessions"] and len(row["cells"]) == 1
    assert "Changes requested" in row["cells"][0]["text"]
    page = get("?state=overdue&milestone=1")  # team 2's approved training shares the column
    assert shown(page) == schools(three, 0)


def test_one_milestone_shows_one_column_and_counts_it(three, get):
    page = get("?milestone=3")
    assert page.columns == ["3. Prototype pilot"] and shown(page) == schools(three, 0, 1, 2)
    assert page.counts == {"on time": 2, "overdue": 0, "awaiting review": 1, "approved": 0}
    assert '<option value="3" selected>3. Prototype pilot</option>' in page.html


def test_only_required_for_launch_drops_the_showcase(three, get):
    page = get("?required=1")
    assert len(page.columns) == 6 and not any("Final showcase" in c for c in page.columns)
    assert sum(page.counts.values()) == 18


def test_search_finds_a_school_or_a_team_by_part_of_its_name(three, get):
    name = three.applications[1].school_name
    assert shown(get(f"?q={name.upper()}")) == [name]
    team_name = three.applications[2].team.name
    assert shown(get(f"?q={team_name[-5:]}")) == schools(three, 2)
    page = get("?q=nobody+has+this+name")
    assert page.rows == [] and "No milestone matches these filters." in page.html
    assert page.counts == {"on time": 0, "overdue": 0, "awaiting review": 0, "approved": 0}


def test_filters_combine(three, get):
    assert shown(get("?state=not_submitted&milestone=1")) == schools(three, 0, 1)
    assert get("?state=approved&q=nobody").rows == []
    assert shown(get(f"?state=awaiting_review&required=1&q={three.applications[1].school_name}")) == schools(three, 1)


def test_next_due_follows_the_filters(three, get):
    today = utcnow().date()
    set_state(three.milestone(2, "Final"), MilestoneStatus.pending, due_on=today + timedelta(days=3))
    db.session.commit()
    assert "Final showcase" in get().next_due[0]
    assert "Final showcase" not in " ".join(get("?required=1").next_due)
    assert get("?state=approved").next_due == []
    assert "Nothing open is due among the milestones shown." in get("?state=approved").html


@pytest.mark.parametrize("query", [
    "?state=bogus", "?state=", "?state=" + "overdue" * 50, "?state=OVERDUE", "?state=%00overdue",
    f"?milestone={10**12}", "?milestone=-1", "?milestone=0", "?milestone=abc", "?milestone=1.5", "?milestone=%E2%91%A0",
    "?milestone=99", "?required=yes", "?left=2", "?state=overdue&state=approved",
    "?cohort_id=1", "?_scheme=javascript", "?_external=1&_anchor=x", "?page=2",
])
def test_hostile_values_are_ignored_never_a_500(three, get, query):
    page = get(query)
    if "milestone=99" in query:  # a real number with no such column: an empty grid, said plainly
        assert page.rows == [] and "No milestone matches these filters." in page.html
    elif "state=overdue&state=approved" in query:  # the first wins, like any form field
        assert shown(page) == schools(three, 0)
    else:
        assert shown(page) == schools(three, 0, 1, 2) and len(page.columns) == 7


def test_a_long_or_hostile_search_answers_200(three, get):
    name = three.applications[0].school_name
    assert shown(get("?q=" + "a" * 5000)) == []
    assert shown(get(f"?q={name}" + "x" * 5000)) == []  # cut to 100 characters, which do not match
    assert shown(get(f"?q=%00{name}")) == schools(three, 0, 1, 2)  # control characters: the search is dropped
    assert shown(get("?q=%F0%9F%8F%AB+%3Cscript%3E")) == []
    html = get("?q=%3Cscript%3Ealert(1)").html
    assert 'value="&lt;script&gt;alert(1)"' in html and "<script>alert(1)" not in html


def test_the_link_to_teams_that_left_keeps_the_filters_and_nothing_else(three, get):
    team = three.teams[2]
    team.status, team.left_at, team.left_reason = "left", utcnow(), "Merged with another team."
    db.session.commit()
    page = get("?state=not_submitted&q=bayou&milestone=2&required=1&_scheme=javascript&cohort_id=7")
    link = f"/incubation/cohorts/{three.cohort.id}?state=not_submitted&amp;milestone=2&amp;q=bayou&amp;required=1&amp;left=1"
    assert f'<a href="{link}">Show it</a>' in page.html
    assert "javascript" not in page.html.split("Show it")[0].rsplit("<a", 1)[1]


def test_the_clear_link_appears_when_filtered(three, get):
    cohort_url = f"/incubation/cohorts/{three.cohort.id}"
    assert f'<a href="{cohort_url}">Clear filters</a>' in get("?state=approved").html
    assert f'<a href="{cohort_url}">Clear filters</a>' not in get().html
