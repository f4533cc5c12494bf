"""The offers pages: the grants list, the pool, the offer form (happy path, hostile input,
permissions), withdrawing."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants.models import Grant, Tranche
from incubator.grants.states import GrantStatus
from incubator.incubation import plans
from incubator.incubation.models import School
from tests.grants.offers_support import form_data


@pytest.fixture
def open_world(grants_world):
    """The fixture's grant withdrawn: its selected team waits for a planning grant."""
    grants_world.grant.status = GrantStatus.withdrawn
    db.session.commit()
    return grants_world


def offer_url(world, **args):
    args = args or {"application_id": world.application.id}
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/grants/challenges/{world.challenge.id}/offer?{query}"


def grants_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Grant))


# ---- the offer form --------------------------------------------------------------------------

def test_the_form_is_prefilled_with_three_tranches_and_shows_the_pool(open_world, make_client):
    page = make_client(open_world.staff).get(offer_url(open_world))
    assert page.status_code == 200
    html = page.text
    assert "Planning grant" in html and open_world.application.school_name in html
    assert 'value="100000.00"' in html and 'value="40000.00"' in html and 'value="30000.00"' in html
    assert "$500,000" in html and "available" in html  # the pool's available figure
    assert 'name="tranches-2-milestone"' in html and 'name="tranches-5-amount"' in html  # 3 blank rows more
    assert 'name="tranches-6-amount"' not in html
    prototype = next(t for t in plans.template_of(open_world.org) if "rototype" in t.title)
    assert f'<option selected value="{prototype.id}">' in html or f'value="{prototype.id}" selected' in html


def test_staff_offer_a_grant_and_land_on_its_page(open_world, make_client):
    client = make_client(open_world.staff)
    response = client.post(offer_url(open_world), data=form_data(open_world.org))
    assert response.status_code == 302
    grant = db.session.scalar(sa.select(Grant).where(Grant.status == GrantStatus.offered))
    assert response.headers["Location"].endswith(f"/grants/{grant.id}")
    assert grant.amount_cents == 100_000_00 and [t.amount_cents for t in grant.tranches] == [40_000_00, 30_000_00,
                                                                                           30_000_00]
    assert grant.offered_by_id == open_world.staff.id


def test_blank_rows_are_left_out(open_world, make_client):
    data = form_data(open_world.org, rows=[("", "on_acceptance", "", ""), ("100000", "on_acceptance", "", ""),
                                           ("", "on_date", "", "")])
    response = make_client(open_world.staff).post(offer_url(open_world), data=data)
    assert response.status_code == 302
    grant = db.session.scalar(sa.select(Grant).where(Grant.status == GrantStatus.offered))
    assert [(t.position, t.amount_cents) for t in grant.tranches] == [(1, 100_000_00)]


def test_the_sum_rule_is_shown_on_the_form_and_nothing_is_saved(open_world, make_client):
    data = form_data(open_world.org, rows=[("40000", "on_acceptance", "", ""), ("50000", "on_acceptance", "", "")])
    response = make_client(open_world.staff).post(offer_url(open_world), data=data)
    assert response.status_code == 422
    assert "The tranches add up to $90,000.00; the grant is $100,000.00." in response.text
    assert grants_count() == 1


def test_an_offer_beyond_the_pool_is_refused_on_the_form(open_world, make_client):
    open_world.challenge.grant_pool_cents = 60_000_00
    db.session.commit()
    response = make_client(open_world.staff).post(offer_url(open_world), data=form_data(open_world.org))
    assert response.status_code == 422
    assert ("The pool has $60,000.00 available ($60,000.00 budget, $0.00 committed); this offer is $100,000.00."
            in response.text)


@pytest.mark.parametrize("changes, message", [
    ({"amount": "-100"}, "zero or more"),
    ({"amount": "1e12"}, "too large"),
    ({"amount": "1000000000000"}, "too large"),
    ({"amount": "a lot"}, "Enter an amount in dollars"),
    ({"amount": "0"}, "more than $0"),
    ({"amount": "12.345"}, "whole cents"),
    ({"tranches-0-amount": "forty"}, "Enter an amount in dollars"),
    ({"tranches-0-amount": "-40000"}, "zero or more"),
    ({"tranches-1-due_on": "tomorrow"}, "Enter a date"),
    ({"tranches-1-due_on": ""}, "Give the date"),
    ({"tranches-2-milestone": ""}, "Choose the milestone"),
    ({"tranches-2-milestone": "99999999999"}, "Choose a milestone from the list"),
    ({"tranches-2-milestone": "123456"}, "choose a milestone of your organization"),
    ({"tranches-0-condition": "on_whim"}, "Not a valid choice"),
    ({"kind": "launch"}, "Not a valid choice"),
    ({"terms": ""}, "Write the terms"),
    ({"terms": "x" * 20_001}, "at most 20,000 characters"),
    ({"terms": "Fine\x00print"}, "not allowed"),
    ({"expires_on": "2020-01-01"}, "must expire after today"),
    ({"expires_on": "31/31/2031"}, "Enter a date"),
    ({"expires_on": "9" * 5000}, "Enter a date"),
])
def test_hostile_input_is_refused_with_a_message_and_nothing_saved(open_world, make_client, changes, message):
    data = form_data(open_world.org)
    data.update(changes)
    response = make_client(open_world.staff).post(offer_url(open_world), data=data)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'").replace("&amp;", "&")
    assert grants_count() == 1


def test_thirteen_tranches_are_refused_by_name(open_world, make_client):
    rows = [("1000", "on_acceptance", "", "")] * 13
    response = make_client(open_world.staff).post(offer_url(open_world),
                                                  data=form_data(open_world.org, amount="13000", rows=rows))
    assert response.status_code == 422
    assert "at most 12 tranches; this one has 13" in response.text
    assert grants_count() == 1


def test_a_milestone_of_another_organisation_is_refused(open_world, make_client, make_org):
    foreign = plans.template_of(make_org("Elsewhere"))[0]
    db.session.commit()
    data = form_data(open_world.org)
    data["tranches-2-milestone"] = str(foreign.id)
    response = make_client(open_world.staff).post(offer_url(open_world), data=data)
    assert response.status_code == 422
    assert "choose a milestone of your organization" in response.text.replace("&#39;", "'")


def test_an_application_of_another_challenge_or_organisation_is_404(open_world, make_client, make_grants_world,
                                                                    make_org, make_user, grant_role):
    other = make_grants_world(open_world.org, open_world.staff, open_world.finance)
    client = make_client(open_world.staff)
    assert client.get(offer_url(open_world, application_id=other.application.id)).status_code == 404
    foreign_org = make_org("Elsewhere")
    foreign = make_grants_world(foreign_org)
    assert client.get(offer_url(open_world, application_id=foreign.application.id)).status_code == 404
    for args in ({"application_id": "abc"}, {"application_id": "99999999999"}, {},
                 {"application_id": open_world.application.id, "school_id": 1}):
        assert client.get(f"/grants/challenges/{open_world.challenge.id}/offer?" +
                          "&".join(f"{k}={v}" for k, v in args.items())).status_code == 404


def test_a_school_offer_chooses_launch_or_transition(open_world, make_client):
    school = School(organisation_id=open_world.org.id, name="Bayou Elementary", team_id=open_world.team.id)
    db.session.add(school)
    db.session.commit()
    client = make_client(open_world.staff)
    page = client.get(offer_url(open_world, school_id=school.id, kind="transition"))
    assert page.status_code == 200 and "Launch grant" in page.text and "Transition grant" in page.text
    response = client.post(offer_url(open_world, school_id=school.id),
                           data=form_data(open_world.org, kind="transition"))
    assert response.status_code == 302
    grant = db.session.scalar(sa.select(Grant).where(Grant.school_id == school.id))
    assert grant.kind == "transition" and grant.team_id is None
    assert client.post(offer_url(open_world, school_id=school.id),
                       data=form_data(open_world.org, kind="planning")).status_code == 422


@pytest.mark.parametrize("role", [Role.reviewer, Role.finance, Role.coach])
def test_only_program_staff_reach_the_offer_form(open_world, make_client, make_user, grant_role, role):
    user = grant_role(make_user(f"{role}-offers@example.org"), open_world.org, role)
    client = make_client(user)
    assert client.get(offer_url(open_world)).status_code == 404
    assert client.post(offer_url(open_world), data=form_data(open_world.org)).status_code == 404
    assert grants_count() == 1


def test_staff_of_another_organisation_and_the_team_get_404(open_world, make_client, make_user, grant_role,
                                                           make_org):
    other_staff = grant_role(make_user("staff-elsewhere@example.org"), make_org("Elsewhere"), Role.program_staff)
    for user in (other_staff, open_world.lead):
        client = make_client(user)
        assert client.get(offer_url(open_world)).status_code == 404
        assert client.get(f"/grants/challenges/{open_world.challenge.id}/pool").status_code == 404


def test_a_signed_out_visitor_gets_nothing(open_world, client):
    for url in (offer_url(open_world), f"/grants/challenges/{open_world.challenge.id}/pool"):
        response = client.get(url)
        assert response.status_code == 404 or "/login" in response.headers["Location"]
    response = client.post(f"/grants/{open_world.grant.id}/withdraw", data={"reason": "x"})
    assert response.status_code == 404 or "/login" in response.headers["Location"]
    assert client.get("/grants/").status_code in (302, 404)


def test_the_form_without_csrf_is_refused(open_world, make_client):
    client = make_client(open_world.staff)
    data = form_data(open_world.org)
    data["csrf_token"] = "forged"
    response = client.post(offer_url(open_world), data=data)
    assert response.status_code in (400, 422)
    assert grants_count() == 1


# ---- the pool --------------------------------------------------------------------------------

def test_the_pool_shows_its_figures_grants_and_who_waits(open_world, make_client, make_grants_world):
    waiting = make_grants_world(open_world.org, open_world.staff, open_world.finance)
    waiting.application.challenge_id = open_world.challenge.id
    db.session.delete(waiting.grant)
    db.session.add(School(organisation_id=open_world.org.id, name="Lakeside Academy"))
    db.session.commit()
    page = make_client(open_world.staff).get(f"/grants/challenges/{open_world.challenge.id}/pool")
    assert page.status_code == 200
    html = page.text
    for words in ("Budget", "$500,000", "Committed", "Paid", "Available", "Offer a planning grant",
                  waiting.application.school_name, open_world.application.school_name, "Lakeside Academy",
                  "Offer a launch grant", "Offer a transition grant", "Withdrawn"):
        assert words in html, words


def test_finance_see_the_pool_but_not_the_offer_links(open_world, make_client):
    page = make_client(open_world.finance).get(f"/grants/challenges/{open_world.challenge.id}/pool")
    assert page.status_code == 200 and "Available" in page.text
    assert "Offer a planning grant" not in page.text


def test_the_pool_pages_through_many_grants(open_world, make_client, app):
    app.config["PAGE_SIZE"], size = 2, app.config["PAGE_SIZE"]
    try:
        for n in range(3):
            db.session.add(Grant(organisation_id=open_world.org.id, challenge_id=open_world.challenge.id,
                                 kind="planning", application_id=open_world.application.id,
                                 team_id=open_world.team.id, amount_cents=1_00, terms="t", status="declined",
                                 expires_on=utcnow().date(), expires_at=utcnow()))
        db.session.commit()
        client = make_client(open_world.staff)
        first = client.get(f"/grants/challenges/{open_world.challenge.id}/pool")
        assert "Page 1 of 2" in first.text
        assert "Page 2 of 2" in client.get(f"/grants/challenges/{open_world.challenge.id}/pool?page=2").text
    finally:
        app.config["PAGE_SIZE"] = size


def test_the_challenge_page_links_to_its_pool(open_world, make_client):
    page = make_client(open_world.staff).get(f"/challenges/{open_world.challenge.id}/manage")
    assert f"/grants/challenges/{open_world.challenge.id}/pool" in page.text


# ---- the grants list -------------------------------------------------------------------------

def test_staff_see_their_organisations_grants_with_filters(grants_world, make_client):
    client = make_client(grants_world.staff)
    page = client.get("/grants/")
    assert page.status_code == 200 and grants_world.application.school_name in page.text
    assert grants_world.application.school_name in client.get("/grants/?status=offered&kind=planning").text
    filtered = client.get("/grants/?status=accepted")
    assert grants_world.application.school_name not in filtered.text and "No grant matches" in filtered.text
    assert client.get("/grants/?status=%00evil&kind=<script>").status_code == 200


def test_finance_of_another_organisation_sees_none_of_them(grants_world, make_client, make_org, make_user,
                                                          grant_role):
    other = grant_role(make_user("fin-elsewhere@example.org"), make_org("Elsewhere"), Role.finance)
    page = make_client(other).get("/grants/")
    assert page.status_code == 200 and grants_world.application.school_name not in page.text


def test_the_team_sees_its_offer_and_the_lead_a_link_to_accept(grants_world, make_client):
    for user in (grants_world.lead, grants_world.member):
        page = make_client(user).get("/grants/")
        assert "Your team" in page.text and "$100,000" in page.text
        assert f"/grants/{grants_world.grant.id}/accept" in page.text


def test_an_expired_offer_has_no_accept_link(grants_world, make_client):
    grants_world.grant.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = make_client(grants_world.lead).get("/grants/")
    assert "expired" in page.text and f"/grants/{grants_world.grant.id}/accept" not in page.text


def test_someone_with_no_grants_reads_what_this_page_is(make_client, make_user, grants_world):
    page = make_client(make_user("nobody@example.org")).get("/grants/")
    assert page.status_code == 200 and "You have no grants" in page.text
    assert grants_world.application.school_name not in page.text


# ---- withdrawing -----------------------------------------------------------------------------

def test_staff_withdraw_an_offer_with_a_reason(grants_world, make_client):
    client = make_client(grants_world.staff)
    pool = client.get(f"/grants/challenges/{grants_world.challenge.id}/pool")
    assert f"/grants/{grants_world.grant.id}/withdraw" in pool.text and "data-confirm" in pool.text
    refused = client.post(f"/grants/{grants_world.grant.id}/withdraw", data={"reason": ""}, follow_redirects=True)
    assert "Give the reason" in refused.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered
    done = client.post(f"/grants/{grants_world.grant.id}/withdraw", data={"reason": "The team merged."},
                       follow_redirects=True)
    assert "is withdrawn" in done.text
    db.session.expire_all()
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.withdrawn


def test_withdrawing_an_accepted_grant_is_refused_on_the_page(grants_world, make_client):
    from tests.grants.offers_support import accept

    accept(grants_world)
    response = make_client(grants_world.staff).post(f"/grants/{grants_world.grant.id}/withdraw",
                                                    data={"reason": "No."}, follow_redirects=True)
    assert "cannot become withdrawn" in response.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.accepted


@pytest.mark.parametrize("who", ["finance", "lead"])
def test_finance_and_the_team_cannot_withdraw(grants_world, make_client, who):
    user = grants_world.finance if who == "finance" else grants_world.lead
    response = make_client(user).post(f"/grants/{grants_world.grant.id}/withdraw", data={"reason": "Mine now."})
    assert response.status_code == 404
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered


def test_no_tranche_row_is_left_behind_by_a_refused_offer(open_world, make_client):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Tranche))
    data = form_data(open_world.org, rows=[("40000", "on_acceptance", "", "")])
    make_client(open_world.staff).post(offer_url(open_world), data=data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tranche)) == before


def test_an_organisation_without_a_template_yet_keeps_the_one_the_form_shows(make_client, make_org, make_user,
                                                                           grant_role):
    from datetime import timedelta as days

    from incubator.applications.models import Application, Team, TeamMember
    from incubator.applications.states import Status
    from incubator.challenges.models import Challenge, Track
    from incubator.challenges.states import ChallengeStatus
    from incubator.incubation.models import TemplateMilestone

    org = make_org("New Org")
    staff = grant_role(make_user("staff-new@example.org"), org, Role.program_staff)
    now = utcnow()
    challenge = Challenge(organisation=org, title="First", slug="first-new", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - days(30), closes_at=now - days(10),
                          grant_pool_cents=500_000_00)
    team = Team(name="Fresh Team")
    team.members.append(TeamMember(user=make_user("lead-new@example.org"), is_lead=True))
    application = Application(team=team, challenge=challenge, school_name="Fresh School", status=Status.selected,
                              submitted_at=now - days(20))
    db.session.add_all([challenge, application])
    db.session.commit()
    client = make_client(staff)
    assert client.get(f"/grants/challenges/{challenge.id}/offer?application_id={application.id}").status_code == 200
    kept = db.session.scalars(sa.select(TemplateMilestone).where(TemplateMilestone.organisation_id == org.id)).all()
    assert kept
    response = client.post(f"/grants/challenges/{challenge.id}/offer?application_id={application.id}",
                           data=form_data(org))
    assert response.status_code == 302
