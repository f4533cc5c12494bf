"""The staff applications list stays fast as a challenge grows: each sort is read off an
index, rows carry only what the table shows, the counting is done once and nothing is
lazy-loaded. (Timings live in bench/; these check the shape that keeps them flat.)"""
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.states import Status
from incubator.challenges import listing
from incubator.core.timeutil import utcnow
from incubator.extensions import db

URL = "/challenges/{}/applications"


@contextmanager
def statements():
    seen = []
    # The test shares its session with the requests it makes: start it empty, as a request's is.
    db.session.expunge_all()

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)


@pytest.fixture
def crowded(open_challenge, make_application):
    now = utcnow()
    for n in range(6):
        status = [Status.submitted, Status.eligible, Status.ineligible][n % 3]
        make_application(open_challenge, school_name=f"School {n}", team_name=f"Team {n}", status=status,
                         submitted_at=now - timedelta(hours=n),
                         screened_at=now if status != Status.submitted else None,
                         screening_reason="Out of area" if status == Status.ineligible else None)
    make_application(open_challenge, school_name="Still drafting", status=Status.draft)
    return open_challenge


def test_the_list_reads_only_the_columns_it_shows(staff_client, crowded):
    url = URL.format(crowded.id)
    staff_client.get(url)  # warm the session and login caches
    with statements() as seen:
        page = staff_client.get(url)
    assert page.status_code == 200 and "School 0" in page.text
    listing_sql = [s for s in seen if "FROM applications" in s]
    assert listing_sql, seen
    for statement in listing_sql:
        for wide in ("learner_profiles", "personal_learning_paths", "flexible_learning_environments"):
            assert wide not in statement, statement


@pytest.mark.parametrize("args", [{}, {"q": "school 1"}, {"status": "eligible"}, {"sort": "school", "page": "2"}])
def test_the_list_counts_once_and_loads_nothing_lazily(app, staff_client, crowded, monkeypatch, args):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    url = URL.format(crowded.id)
    staff_client.get(url)
    with statements() as seen:
        page = staff_client.get(url, query_string=args)
    assert page.status_code == 200
    counts = [s for s in seen if "count(" in s.lower()]
    assert len(counts) == 1, counts  # the per-status counts and the pager's total, together
    assert not [s for s in seen if s.startswith("SELECT organisations.")], "the organisation was lazy-loaded"


def test_the_totals_agree_with_the_filters(app, staff_client, crowded, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    url = URL.format(crowded.id)
    assert "Page 1 of 3 (6 in all)" in staff_client.get(url).text
    assert "Submitted: 2 · Eligible: 2 · Ineligible: 2" in staff_client.get(url).text
    assert "1 team still drafting" in staff_client.get(url).text
    assert "2 in all." in staff_client.get(url, query_string={"status": "eligible"}).text
    # "School 1" matches one school name; the counts by status above the table stay whole.
    searched = staff_client.get(url, query_string={"q": "school 1"})
    assert "1 in all." in searched.text and "Submitted: 2 · Eligible: 2" in searched.text
    assert "No application matches" in staff_client.get(url, query_string={"q": "Team 1", "status": "ineligible"}).text
    assert "1 in all." in staff_client.get(url, query_string={"q": "TEAM 4", "status": "eligible"}).text


def _plan(query: sa.Select) -> str:
    """The database's plan for `query`, with sorting discouraged so an index that fits is used."""
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL enable_sort = off"))
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars().all()
        db.session.rollback()
        return "\n".join(rows)
    rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize("sort", sorted(listing.SORTS))
@pytest.mark.parametrize("status", ["", "eligible"])
def test_every_sort_is_read_off_an_index_not_sorted(crowded, sort, status):
    query = listing.applications_query(crowded, listing.Filters(sort=sort, status=status)).limit(50)
    plan = _plan(query)
    if db.engine.dialect.name == "postgresql":
        assert "Sort" not in plan, plan  # an incremental sort would be a sort too
    else:
        assert "TEMP B-TREE" not in plan, plan
