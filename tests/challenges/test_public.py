"""Anyone can see the open challenges, with deadlines in the organisation's timezone."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from incubator.challenges.markdown import render_markdown
from incubator.challenges.models import Challenge
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import format_local
from incubator.extensions import db


def test_a_signed_out_visitor_sees_open_challenges_with_deadline_and_time_left(client, make_challenge, org):
    challenge = make_challenge(title="Open now", slug="open-now", opens_in=-timedelta(days=1), closes_in=timedelta(days=3, hours=5))
    make_challenge(title="Not yet open", slug="later")
    make_challenge(title="Already closed", slug="closed", opens_in=-timedelta(days=30), closes_in=-timedelta(minutes=1))

    page = client.get("/challenges/")

    assert page.status_code == 200
    assert "Open now" in page.text and org.name in page.text
    assert "Not yet open" not in page.text and "Already closed" not in page.text
    assert "3 days, 4 hours left" in page.text
    assert format_local(challenge.closes_at, "America/Chicago") in page.text  # e.g. "28 Nov 2026, 17:00 CST"


def test_no_open_challenge_shows_an_empty_state(client, make_challenge):
    make_challenge(slug="later")
    page = client.get("/challenges/")
    assert "No challenge is open for applications right now" in page.text


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the clock of the challenges pages at a given moment."""
    def freeze(moment):
        for module in ("views", "panels", "permissions"):
            monkeypatch.setattr(f"incubator.challenges.{module}.utcnow", lambda: moment)
    return freeze


def test_deadlines_follow_the_organisations_clock_across_a_dst_change(client, staff_client, org, frozen):
    # Staff in Chicago type 17:00 for two deadlines, one each side of the change to daylight time (14 March 2027).
    frozen(datetime(2027, 2, 1, 12, 0, tzinfo=timezone.utc))
    base = {"organisation_id": org.id, "track": "new_school", "opens_at": "2027-01-10T09:00", "slots": "3",
            "grant_pool": "0", "planning_grant": "100000"}
    staff_client.post("/challenges/new", data=dict(base, title="Before the change", slug="before", closes_at="2027-03-12T17:00"))
    staff_client.post("/challenges/new", data=dict(base, title="After the change", slug="after", closes_at="2027-03-19T17:00"))
    db.session.execute(sa.update(Challenge).values(status=ChallengeStatus.published))  # drafts until published
    db.session.commit()

    page = client.get("/challenges/").text

    assert "12 Mar 2027, 17:00 CST" in page
    assert "19 Mar 2027, 17:00 CDT" in page
    # From 1 February 12:00 UTC: 39 days and 11 hours to 23:00 UTC; 46 days and 10 hours to 22:00 UTC.
    assert "39 days, 11 hours left" in page and "46 days, 10 hours left" in page


def test_deadlines_are_shown_in_each_organisations_own_zone(client, make_org, make_challenge):
    london = make_org("London Schools", timezone="Europe/London")
    challenge = make_challenge(london, slug="london", opens_in=-timedelta(days=1))
    page = client.get("/challenges/").text
    assert format_local(challenge.closes_at, "Europe/London") in page
    assert format_local(challenge.closes_at, "America/Chicago") not in page


def test_the_public_detail_page_renders_the_summary_safely(client, make_challenge):
    make_challenge(title="Future of School", slug="future", opens_in=-timedelta(days=1), summary_md=(
        "We want **bold** ideas.\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[Click me](javascript:alert(1)) and [the rules](https://example.org/rules)"))

    page = client.get("/challenges/future")

    assert page.status_code == 200
    assert "<strong>bold</strong>" in page.text
    assert "<script>alert" not in page.text and "onerror" not in page.text and "javascript:" not in page.text
    assert 'href="https://example.org/rules"' in page.text
    assert "Create an account to apply" in page.text or "Apply" in page.text


def test_the_public_page_lists_the_questions_teams_will_answer(client, make_challenge):
    from incubator.challenges.models import QuestionKind

    make_challenge(slug="future", opens_in=-timedelta(days=1),
                   questions=[(QuestionKind.long_text, "Why this neighbourhood?"), (QuestionKind.yes_no, "Facility?")])
    page = client.get("/challenges/future").text
    assert "Why this neighbourhood?" in page and "(up to 100 words)" in page and "Facility?" in page


def test_a_challenge_is_not_public_before_it_opens(client, make_challenge):
    make_challenge(slug="later")
    assert client.get("/challenges/later").status_code == 404
    assert client.get("/challenges/no-such-thing").status_code == 404
    for hostile in ("%00", "a%00b", "x" * 300, "%27%20OR%201%3D1--", "%E2%80%AEevil"):
        assert client.get(f"/challenges/{hostile}").status_code == 404


def test_a_closed_challenge_page_says_it_is_closed(client, make_challenge):
    make_challenge(slug="closed", opens_in=-timedelta(days=30), closes_in=-timedelta(days=1))
    page = client.get("/challenges/closed")
    assert page.status_code == 200 and "Applications are no longer accepted" in page.text


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](  javascript:alert(1))",
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)">hi</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<style>body{display:none}</style>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
])
def test_markdown_drops_scripts_handlers_and_dangerous_links(hostile):
    html = str(render_markdown(hostile)).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style", "data:text"):
        assert bad not in html


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("## Goals\n\n- one\n- *two*\n\n[site](https://example.org)"))
    assert "<h2>Goals</h2>" in html and "<li><em>two</em></li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">site</a>' in html


def test_the_landing_page_lists_open_challenges_and_the_nav_links_to_them(client, make_challenge):
    make_challenge(title="Future of School", slug="future", opens_in=-timedelta(days=1))
    page = client.get("/")
    assert "Open challenges" in page.text and "Future of School" in page.text
    assert 'href="/challenges/"' in page.text


def test_the_landing_page_says_when_nothing_is_open(client):
    assert "No challenge is open for applications right now" in client.get("/").text


def test_the_public_list_is_paginated(app, client, make_challenge, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(3):
        make_challenge(title=f"Open {n}", slug=f"open-{n}", opens_in=-timedelta(days=1), closes_in=timedelta(days=n + 1))
    first, second = client.get("/challenges/").text, client.get("/challenges/?page=2").text
    assert "Open 0" in first and "Open 1" in first and "Open 2" not in first  # soonest deadline first
    assert "Open 2" in second and "Page 2 of 2" in second


def test_a_signed_in_member_applies_from_the_challenge_page_and_later_continues_there(
        make_client, make_user, open_challenge, make_application, make_challenge):
    from incubator.applications.models import Application, Team, TeamMember
    from incubator.extensions import db

    lead = make_user("lead@example.org")
    team = Team(name="Bayou Builders", members=[TeamMember(user=lead, is_lead=True)])
    other_challenge = make_challenge(opens_in=-timedelta(days=1))
    db.session.add(team)
    db.session.commit()
    make_application(other_challenge, members=[lead], team_name="Elsewhere", status="draft")
    client = make_client(lead)

    page = client.get(f"/challenges/{open_challenge.slug}")
    assert "Start Bayou Builders&#39; application" in page.text  # a possessive, not "Builders's"
    assert "Elsewhere" in page.text  # the other team has not applied to this challenge either

    started = client.post(f"/applications/teams/{team.id}/applications", data={"challenge_id": open_challenge.id})
    assert started.status_code == 302
    application = db.session.scalar(db.select(Application).filter_by(team_id=team.id, challenge_id=open_challenge.id))

    page = client.get(f"/challenges/{open_challenge.slug}")
    assert "Continue the application" in page.text
    assert f"/applications/{application.id}" in page.text
    assert "Start Bayou Builders" not in page.text


def test_a_signed_in_person_without_a_team_is_told_to_create_one(make_client, make_user, open_challenge):
    page = make_client(make_user()).get(f"/challenges/{open_challenge.slug}")
    assert "Create a team" in page.text and "/applications/teams/new" in page.text
