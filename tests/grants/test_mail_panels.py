"""The grants' dashboard panels and top-bar links: what finance, program staff and a grantee team
see on their dashboard, in one or two queries each; nothing for anyone else."""
from datetime import timedelta

import pytest

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import panels
from incubator.grants.states import GrantStatus, TrancheStatus


def accept(world):
    with db.session.no_autoflush:  # grants_world.accept() reads the team after setting the status
        return world.accept()


def put(world, tranche, status, **values):
    with db.session.no_autoflush:
        return world.put(tranche, status, **values)


def nav_labels(page) -> set[str]:
    return {label for label in ("Grants", "Finance") if f">{label}</a>" in page.text}


def test_finance_sees_what_awaits_their_approval_but_not_what_they_requested(grants_world, make_client):
    world = grants_world
    accept(world)
    first, second, _ = world.tranches
    put(world, first, TrancheStatus.requested)  # by program staff
    put(world, second, TrancheStatus.requested, requested_by_id=world.finance.id)
    page = make_client(world.finance).get("/dashboard")
    assert "Awaiting your approval: <strong>1 tranche, $40,000</strong>" in page.text
    other = make_client(world.finance2).get("/dashboard")
    assert "Awaiting your approval: <strong>2 tranches, $70,000</strong>" in other.text
    assert nav_labels(page) == {"Grants", "Finance"}


def test_finance_sees_failed_payouts_and_those_needing_attention(grants_world, make_client):
    world = grants_world
    accept(world)
    first, second, _ = world.tranches
    put(world, first, TrancheStatus.failed, failed_at=utcnow(), failure_message="Insufficient funds")
    put(world, second, TrancheStatus.processing, needs_attention="Two transfers found")
    page = make_client(world.finance).get("/dashboard").text
    assert "2 payouts failed" in page and "No release awaits your approval." in page


def test_the_team_sees_its_offer_and_only_the_lead_is_asked_to_answer(grants_world, make_client):
    world = grants_world
    lead_page = make_client(world.lead).get("/dashboard").text
    expected = (f"Your grant offer from <strong>New Schools for New Orleans</strong>: <strong>$100,000</strong>, "
                f"accept by {world.grant.expires_on:%-d %B %Y}.")
    assert expected in lead_page
    assert f'href="/grants/{world.grant.id}/accept"' in lead_page
    member_page = make_client(world.member).get("/dashboard")
    assert expected in member_page.text and f"/grants/{world.grant.id}/accept" not in member_page.text
    assert "Your team lead can accept it" in member_page.text
    assert nav_labels(member_page) == {"Grants"}


def test_an_expired_offer_is_not_offered_on_the_dashboard(grants_world, make_client):
    world = grants_world
    world.grant.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Your grant offer" not in make_client(world.lead).get("/dashboard").text


def test_an_accepted_grant_shows_its_next_tranche(grants_world, make_client):
    world = grants_world
    accept(world)
    page = make_client(world.member).get("/dashboard").text
    assert "$0 of $100,000 paid" in page and "Next tranche: <strong>$40,000</strong>, due." in page
    put(world, world.tranches[0], TrancheStatus.paid, manual_reference="ACH 1")
    page = make_client(world.member).get("/dashboard").text
    assert "$40,000 of $100,000 paid" in page and "Next tranche: <strong>$30,000</strong>, scheduled" in page
    assert f"(due on {world.tranches[1].due_on:%-d %B %Y})" in page


def test_program_staff_are_asked_to_request_due_tranches(grants_world, make_client):
    world = grants_world
    assert "tranche due" not in make_client(world.staff).get("/dashboard").text
    accept(world)
    page = make_client(world.staff).get("/dashboard")
    assert "1 tranche due</strong> ($40,000): request their release." in page.text
    assert nav_labels(page) == {"Grants"}


@pytest.mark.parametrize("status", [GrantStatus.declined, GrantStatus.withdrawn])
def test_people_with_no_part_in_a_grant_see_no_grants_panel_or_link(grants_world, make_client, make_user,
                                                                     grant_role, make_org, status):
    from incubator.accounts.models import Role

    world = grants_world
    accept(world)
    put(world, world.tranches[0], TrancheStatus.requested)
    elsewhere = make_org("Elsewhere")
    people = [make_user("outsider@example.org"),
              grant_role(make_user("fin-elsewhere@example.org"), elsewhere, Role.finance),
              grant_role(make_user("staff-elsewhere@example.org"), elsewhere, Role.program_staff)]
    for person in people:
        page = make_client(person).get("/dashboard").text
        assert "Awaiting your approval: <strong>" not in page and "Your grant" not in page
        assert "tranche due" not in page
    assert nav_labels(make_client(people[0]).get("/dashboard")) == set()
    world.grant.status = status  # a grant that ended is not offered to the team any more
    db.session.commit()
    assert "Your grant" not in make_client(world.member).get("/dashboard").text


def test_each_panel_is_one_or_two_queries(app, grants_world, count_statements):
    world = grants_world
    accept(world)
    for tranche in world.tranches:
        db.session.refresh(tranche)
    put(world, world.tranches[0], TrancheStatus.requested)
    finance, staff, member = world.finance, world.staff, world.member
    for person in (finance, staff, member):
        person.memberships  # the roles are loaded with the signed-in user
    assert count_statements(lambda: panels.finance_panel(finance)) == 1
    assert count_statements(lambda: panels.staff_panel(staff)) == 1
    assert count_statements(lambda: panels.grantee_panel(member)) <= 3  # grants, their tranches, the lead check
    with app.test_request_context():
        assert count_statements(lambda: panels.nav(staff)) == 0
        assert count_statements(lambda: panels.nav(member)) == 1


def test_a_grant_to_a_school_shows_to_the_schools_team(grants_world, make_client):
    from incubator.core.timeutil import end_of_local_day
    from incubator.grants.models import Grant, Tranche
    from incubator.grants.states import DueCondition, GrantKind
    from incubator.incubation.models import School

    world = grants_world
    school = School(organisation_id=world.org.id, team_id=world.team.id, name="Bayou Community School", grades="K-5")
    db.session.add(school)
    db.session.flush()
    expires_on = (utcnow() + timedelta(days=10)).date()
    grant = Grant(organisation_id=world.org.id, challenge_id=world.challenge.id, kind=GrantKind.launch,
                  school_id=school.id, amount_cents=250_000_00, expires_on=expires_on,
                  expires_at=end_of_local_day(expires_on, world.org.timezone), offered_by_id=world.staff.id)
    grant.tranches.append(Tranche(position=1, amount_cents=250_000_00, condition=DueCondition.on_acceptance))
    db.session.add(grant)
    db.session.commit()
    page = make_client(world.lead).get("/dashboard").text
    assert "<strong>$250,000</strong>" in page and f'href="/grants/{grant.id}/accept"' in page
    assert "<strong>$250,000</strong>" in make_client(world.member).get("/dashboard").text
