"""The staff ranking of a round: figures, sorting, filters, pages, the CSV, the summary PDF,
hostile query strings, who may see it, and SQL statements that do not grow with the round."""
import csv
import io
import re
from datetime import timedelta

import pytest

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import ranking
from incubator.reviews.models import Assignment, CriterionScore, Decision
from incubator.reviews.states import Outcome, Recommendation, ReviewStatus


def submit(world, application, reviewer, values, recommendation=Recommendation.yes, comment=""):
    """A submitted review with a point per criterion of the fixture rubric (None: n/a)."""
    from incubator.reviews.scoring import CriterionScore as Pure, review_score
    rubric = world.round.criteria
    score = review_score([Pure(c.weight, c.scale_lo, c.scale_hi, v) for c, v in zip(rubric, values)])
    assignment = Assignment(round=world.round, application=application, reviewer=reviewer,
                            status=ReviewStatus.submitted, score=score, recommendation=recommendation,
                            submitted_at=utcnow(), updated_at=utcnow(), overall_comment=comment)
    for criterion, value in zip(rubric, values):
        assignment.scores.append(CriterionScore(criterion=criterion, value=value, is_na=value is None,
                                                comment=f"On {criterion.title.lower()}"))
    db.session.add(assignment)
    db.session.commit()
    return assignment


@pytest.fixture
def scored(make_review_world, org, staff):
    """Three applications, three reviewers. Rubric weights 2, 1, 1 on 1-5, 1-5 (n/a allowed), 0-3.
    App 0: (5,5,3)=100, (5,5,3)=100 -> raw 100.  App 1: (3,3,2) and (1,1,0) -> far apart.
    App 2: (3,3,1) = 100*(2*.5+.5+1/3)/4 = 45.83 once."""
    world = make_review_world(org, staff, applications=3, reviewers=3)
    a0, a1, a2 = world.applications
    r0, r1, r2 = world.reviewers
    submit(world, a0, r0, (5, 5, 3))
    submit(world, a0, r1, (5, 5, 3), Recommendation.maybe)
    # (3,3,2): 100*(2*.5 + .5 + 2/3)/4 = 54.17; (1,1,0): 0 -> sd 27.08, flagged
    submit(world, a1, r1, (3, 3, 2), Recommendation.maybe, comment="Promising but thin")
    submit(world, a1, r2, (1, 1, 0), Recommendation.no)
    submit(world, a2, r2, (3, 3, 1))
    return world


def rows_of(page) -> list[str]:
    """The school names of the ranking table's rows, top to bottom."""
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', page.text)


def test_staff_see_the_ranking_with_its_figures(make_client, scored):
    page = make_client(scored.staff).get(f"/reviews/rounds/{scored.round.id}/ranking")
    assert page.status_code == 200
    a0, a1, a2 = (a.school_name for a in scored.applications)
    assert rows_of(page) == [a0, a2, a1]  # by normalised score, best first
    assert "100.0" in page.text and "27.1" in page.text  # app 1's disagreement
    assert page.text.count('class="flagged"') == 1
    assert 'id="batch-decisions"' in page.text and 'name="application_ids"' in page.text
    assert f'action="/reviews/rounds/{scored.round.id}/decisions/batch"' in page.text
    assert "Krippendorff" in page.text and "<svg" in page.text


def test_sorting_by_a_column_and_its_direction(make_client, scored):
    client = make_client(scored.staff)
    a0, a1, a2 = (a.school_name for a in scored.applications)
    url = f"/reviews/rounds/{scored.round.id}/ranking"
    assert rows_of(client.get(url, query_string={"sort": "disagreement"})) == [a1, a0, a2]  # 27.1, 0, none
    assert rows_of(client.get(url, query_string={"sort": "normalised", "dir": "asc"})) == [a1, a2, a0]
    assert rows_of(client.get(url, query_string={"sort": "school", "dir": "desc"})) == [a2, a1, a0]
    assert rows_of(client.get(url, query_string={"sort": "reviews", "dir": "desc"})) == [a0, a1, a2]


def test_filters(make_client, scored):
    client = make_client(scored.staff)
    a0, a1, a2 = scored.applications
    db.session.add(Decision(round=scored.round, application=a2, outcome=Outcome.advance, rationale="Strong"))
    db.session.commit()
    url = f"/reviews/rounds/{scored.round.id}/ranking"
    assert rows_of(client.get(url, query_string={"flagged": "1"})) == [a1.school_name]
    assert rows_of(client.get(url, query_string={"short": "1"})) == [a2.school_name]  # 1 review, k = 2
    assert rows_of(client.get(url, query_string={"decision": "advance"})) == [a2.school_name]
    assert rows_of(client.get(url, query_string={"decision": "none"})) == [a0.school_name, a1.school_name]
    assert rows_of(client.get(url, query_string={"q": a1.team.name.upper()})) == [a1.school_name]
    empty = client.get(url, query_string={"q": "nothing like this"})
    assert rows_of(empty) == [] and "No application matches these filters" in empty.text


def test_pages_of_50_and_show_all(make_client, make_review_world, org, staff):
    world = make_review_world(org, staff, applications=55, reviewers=1)
    client = make_client(staff)
    url = f"/reviews/rounds/{world.round.id}/ranking"
    first, second = client.get(url), client.get(url, query_string={"page": 2})
    assert len(rows_of(first)) == 50 and len(rows_of(second)) == 5
    assert "Page 1 of 2" in first.text
    assert len(rows_of(client.get(url, query_string={"all": "1"}))) == 55


@pytest.mark.parametrize("args", [
    {"sort": "password; DROP TABLE users"}, {"sort": "__class__"}, {"dir": "sideways"}, {"page": "-1"},
    {"page": str(10**9)}, {"page": "1e9"}, {"q": "x" * 100_000}, {"q": "a\x00b"}, {"decision": "<script>"},
    {"flagged": "yes please"}, {"all": "everything"},
])
def test_hostile_query_strings_get_a_page_not_an_error(make_client, scored, args):
    page = make_client(scored.staff).get(f"/reviews/rounds/{scored.round.id}/ranking", query_string=args)
    assert page.status_code == 200
    assert "<script>" not in page.text.split("</header>", 1)[-1].replace('<script src=', '')
    if "page" in args:  # past the end (or before the start) shows a real page of rows
        assert len(rows_of(page)) == 3


def test_a_long_search_is_cut_not_refused(make_client, scored):
    name = scored.applications[0].school_name
    page = make_client(scored.staff).get(f"/reviews/rounds/{scored.round.id}/ranking",
                                         query_string={"q": name + "x" * 5000})
    assert page.status_code == 200 and rows_of(page) == []


def test_the_csv_is_formula_safe_and_follows_the_order(make_client, scored):
    a0 = scored.applications[0]
    a0.school_name = '=HYPERLINK("http://evil.example","click")'
    scored.applications[1].team.name = "+cmd|' /C calc'!A0"
    db.session.commit()
    response = make_client(scored.staff).get(f"/reviews/rounds/{scored.round.id}/ranking.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:4] == ["Rank", "Application id", "School", "Team"]
    assert lines[1][2] == '\'=HYPERLINK("http://evil.example","click")'
    assert lines[3][3] == "'+cmd|' /C calc'!A0"
    assert [line[1] for line in lines[1:]] == [str(a.id) for a in (a0, scored.applications[2], scored.applications[1])]
    assert lines[1][8] == "100.00" and lines[3][10] == "yes"  # normalised; app 1 flagged


def test_the_summary_pdf_is_made_by_a_job(make_client, scored, run_jobs):
    client = make_client(scored.staff)
    url = f"/reviews/rounds/{scored.round.id}/summary.pdf"
    before = client.get(url)
    assert before.status_code == 200 and "Prepare the summary PDF" in before.text
    asked = client.post(url)
    assert asked.status_code == 302 and "waiting=1" in asked.location
    assert "being prepared" in client.get(asked.location).text
    run_jobs(["pdf"])
    done = client.get(url)
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    assert done.data.startswith(b"%PDF")
    from pypdf import PdfReader
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(done.data)).pages)
    assert scored.applications[0].school_name in text and "Krippendorff" in text
    # A new review changes what the summary shows: the old file is no longer served.
    submit(scored, scored.applications[2], scored.reviewers[0], (1, 1, 0))
    assert "Prepare the summary PDF" in client.get(url).text


def test_ranked_application_ids_best_first_ties_by_id(scored):
    a0, a1, a2 = scored.applications
    assert ranking.ranked_application_ids(scored.round) == [a0.id, a2.id, a1.id]
    assert ranking.ranked_application_ids(scored.round, by="raw") == [a0.id, a2.id, a1.id]


def test_unscored_and_tied_applications(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=4, reviewers=2)
    a0, a1, a2, a3 = world.applications
    submit(world, a2, world.reviewers[0], (3, 3, 2))
    submit(world, a1, world.reviewers[0], (3, 3, 2))   # the same score as a2: tie, lower id first
    submit(world, a3, world.reviewers[1], (1, 1, 0))
    assert ranking.ranked_application_ids(world.round) == [a1.id, a2.id, a3.id, a0.id]  # a0 unscored: last


def _grow(world, reviewers, count):
    """Give `count` more applications of the world a submitted review from each reviewer."""
    for application in world.applications[:count]:
        for reviewer in reviewers:
            submit(world, application, reviewer, (4, 2, 1))


def test_sql_statements_do_not_grow_with_the_round(make_client, make_review_world, org, staff, count_statements):
    small = make_review_world(org, staff, applications=5, reviewers=3)
    large = make_review_world(org, staff, applications=30, reviewers=3)
    _grow(small, small.reviewers, 5)
    _grow(large, large.reviewers, 30)
    client = make_client(staff)
    for path in ("ranking", "ranking?all=1", "ranking.csv", "dashboard", "agreement", "applications/{}"):
        small_url = f"/reviews/rounds/{small.round.id}/" + path.format(small.applications[0].id)
        large_url = f"/reviews/rounds/{large.round.id}/" + path.format(large.applications[0].id)
        client.get(small_url)  # warm
        few = count_statements(lambda: client.get(small_url))
        many = count_statements(lambda: client.get(large_url))
        assert client.get(large_url).status_code == 200
        assert few == many, path


def test_a_round_with_no_applications_shows_an_empty_state(make_client, make_review_world, org, staff):
    world = make_review_world(org, staff, applications=0, reviewers=1)
    page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/ranking")
    assert page.status_code == 200 and "No application is in this round yet" in page.text


def test_decided_rows_show_their_decision(make_client, scored):
    db.session.add(Decision(round=scored.round, application=scored.applications[1], outcome=Outcome.decline,
                            rationale="Not ready", decided_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    page = make_client(scored.staff).get(f"/reviews/rounds/{scored.round.id}/ranking", query_string={"sort": "decision"})
    assert rows_of(page)[0] == scored.applications[1].school_name and "Decline" in page.text
