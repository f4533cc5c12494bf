"""The schools area: Your schools, adding and editing a school, its reporters and invitations."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core import tokens
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import SchoolInvitation, SchoolReporter
from incubator.sustainability.states import ReportStatus, SchoolSource

NEW = "/sustainability/schools/new"
SCHOOL = dict(name="Crescent City Prep", grades="6-8", opening_year="2026", target_enrollment="300")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def actions() -> list[str]:
    """The sustainability events recorded (signing in records events too)."""
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("sustainability.%"))
                                   .order_by(AuditEvent.id)))


def page(response) -> str:
    return response.get_data(as_text=True)


def transition_application(org, make_user, *, status=Status.selected, school_name="Lafitte Academy"):
    now = utcnow()
    challenge = Challenge(organisation=org, title="Transition to personalised learning", slug=f"t-{status}",
                          track=Track.school_transition, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    lead = make_user(f"principal-{status}@example.org", name="Pat Principal")
    team = Team(name=f"Lafitte team {status}")
    team.members.append(TeamMember(user=lead, is_lead=True))
    application = Application(team=team, challenge=challenge, status=status, submitted_at=now,
                              school_name=school_name, current_grades="K-8", transition_year=2027,
                              current_enrollment=450)
    db.session.add_all([challenge, application])
    db.session.commit()
    return application


# ---- adding a school ---------------------------------------------------------------------------


def test_finance_adds_a_school_and_is_sent_to_its_reporters(make_client, school_world):
    finance = make_client(school_world.finance)
    form = finance.get(NEW)
    assert form.status_code == 200 and 'name="opening_year"' in page(form)
    response = finance.post(NEW, data=SCHOOL)
    assert response.status_code == 302
    school = db.session.scalar(sa.select(School).filter_by(name="Crescent City Prep"))
    assert response.headers["Location"].endswith(f"/sustainability/schools/{school.id}/reporters")
    assert (school.organisation_id, school.grades, school.planned_opening_year, school.target_enrollment,
            school.source, school.team_id) == (school_world.org.id, "6-8", 2026, 300, SchoolSource.direct, None)
    assert actions()[-1] == "sustainability.school.created"
    reporters = finance.get(response.headers["Location"])
    assert reporters.status_code == 200 and "Invite by email" in page(reporters)


def test_the_organisation_comes_from_the_query_and_must_be_finances(make_client, school_world, other_org_finance):
    finance = make_client(school_world.finance)
    assert finance.get(NEW, query_string={"organisation_id": school_world.org.id}).status_code == 200
    assert finance.get(NEW, query_string={"organisation_id": 2**31 + 1}).status_code == 404
    assert finance.get(NEW, query_string={"organisation_id": "²"}).status_code == 404
    other = make_client(other_org_finance)
    before = count(School)
    response = other.post(NEW + f"?organisation_id={school_world.org.id}", data=SCHOOL)
    assert response.status_code == 404 and count(School) == before


def test_staff_a_reporter_and_a_visitor_cannot_add_a_school(make_client, school_world):
    before = count(School)
    for user in (school_world.staff, school_world.lead, school_world.reporter):
        browser = make_client(user)
        assert browser.get(NEW).status_code == 404
        assert browser.post(NEW, data=SCHOOL).status_code == 404
    visitor = make_client()
    response = visitor.post(NEW, data=SCHOOL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(School) == before


@pytest.mark.parametrize("changes, field, message", [
    ({"name": "   "}, "name", "Give the school a name."),
    ({"opening_year": "1800"}, "opening_year", "between 2000 and 2100"),
    ({"opening_year": ""}, "opening_year", "Enter the year the school opens."),
    ({"opening_year": "١٢"}, "opening_year", "between 2000 and 2100"),
    ({"target_enrollment": "0"}, "target_enrollment", "from 1 to"),
    ({"name": "Evil\u202eSchool"}, "name", "one line of plain text"),
    ({"application_id": "999"}, "application_id", "Not a valid choice"),
])
def test_bad_input_shows_the_form_again_and_saves_nothing(make_client, school_world, changes, field, message):
    finance = make_client(school_world.finance)
    before, events = count(School), len(actions())
    response = finance.post(NEW, data={**SCHOOL, **changes})
    assert response.status_code == 422
    body = page(response)
    assert message in body and 'aria-invalid="true"' in body and f'id="{field}-error"' in body
    assert (count(School), len(actions())) == (before, events)


def test_a_school_from_a_transition_application_gets_its_team(make_client, make_user, school_world):
    application = transition_application(school_world.org, make_user)
    transition_application(school_world.org, make_user, status=Status.declined, school_name="Not chosen")
    finance = make_client(school_world.finance)
    form = finance.get(NEW, query_string={"application_id": application.id})
    body = page(form)
    assert 'value="Lafitte Academy"' in body and "Not chosen" not in body and 'value="2027"' in body
    response = finance.post(NEW, data={**SCHOOL, "name": "Lafitte Academy", "application_id": str(application.id)})
    assert response.status_code == 302
    school = db.session.scalar(sa.select(School).filter_by(application_id=application.id))
    assert (school.source, school.team_id) == (SchoolSource.transition, application.team_id)
    # Its team reports for it; the application has its school and is offered no more.
    principal = make_client(application.team.members[0].user)
    assert "Lafitte Academy" in page(principal.get("/sustainability/"))
    again = finance.post(NEW, data={**SCHOOL, "application_id": str(application.id)})
    assert again.status_code == 422 and count(School) == 2


def test_an_application_of_another_organisation_is_not_offered(make_client, make_user, make_org, school_world):
    elsewhere = transition_application(make_org("Elsewhere", slug="elsewhere"), make_user, school_name="Far Away")
    finance = make_client(school_world.finance)
    assert "Far Away" not in page(finance.get(NEW))
    response = finance.post(NEW, data={**SCHOOL, "application_id": str(elsewhere.id)})
    assert response.status_code == 422 and count(School) == 1


# ---- editing a school --------------------------------------------------------------------------


def edit_url(school) -> str:
    return f"/sustainability/schools/{school.id}/edit"


def test_finance_edits_a_school(make_client, school_world):
    finance = make_client(school_world.finance)
    form = finance.get(edit_url(school_world.school))
    assert form.status_code == 200 and 'value="Bayou Learning Lab"' in page(form) and 'value="2024"' in page(form)
    response = finance.post(edit_url(school_world.school), data={**SCHOOL, "name": "Bayou Lab School",
                                                                 "target_enrollment": ""})
    assert response.status_code == 302
    db.session.expire_all()
    school = db.session.get(School, school_world.school.id)
    assert (school.name, school.planned_opening_year, school.target_enrollment, school.source) == (
        "Bayou Lab School", 2026, None, SchoolSource.direct)
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "sustainability.school.edited" and event.details["changes"]["name"][1] == "Bayou Lab School"


def test_the_opening_year_stays_once_a_report_is_verified(make_client, school_world):
    school_world.make_report(1, ReportStatus.verified)
    finance = make_client(school_world.finance)
    response = finance.post(edit_url(school_world.school), data={**SCHOOL, "opening_year": "2025"})
    assert response.status_code == 422 and "verified report" in page(response)
    db.session.expire_all()
    assert db.session.get(School, school_world.school.id).planned_opening_year == 2024
    # The rest may change.
    ok = finance.post(edit_url(school_world.school), data={**SCHOOL, "opening_year": "2024"})
    assert ok.status_code == 302


def test_only_finance_of_the_organisation_edits(make_client, school_world, other_org_finance):
    url = edit_url(school_world.school)
    for user in (other_org_finance, school_world.staff, school_world.lead, school_world.reporter):
        browser = make_client(user)
        assert browser.get(url).status_code == 404
        assert browser.post(url, data=SCHOOL).status_code == 404
    db.session.expire_all()
    assert db.session.get(School, school_world.school.id).name == "Bayou Learning Lab"
    assert make_client().get(url).status_code == 404  # an id in the address: as for anyone else


# ---- reporters ---------------------------------------------------------------------------------


def reporters_url(school) -> str:
    return f"/sustainability/schools/{school.id}/reporters"


def test_the_reporters_page_lists_the_team_the_named_and_the_invited(make_client, school_world):
    finance = make_client(school_world.finance)
    finance.post(reporters_url(school_world.school), data={"email": "new@example.org"})
    body = page(finance.get(reporters_url(school_world.school)))
    for text in ("Lee Lead", "Mo Member", "Rita Reporter", "<td>new@example.org</td>", "Remove", "Revoke"):
        assert text in body


def test_inviting_an_existing_person_adds_them_at_once(make_client, make_user, school_world):
    bea = make_user("Bea@Example.org".lower(), name="Bea Bookkeeper")
    finance = make_client(school_world.finance)
    response = finance.post(reporters_url(school_world.school), data={"email": " BEA@example.org "})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(SchoolReporter).filter_by(school_id=school_world.school.id, user_id=bea.id))
    assert count(SchoolInvitation) == 0
    mail = db.session.scalars(sa.select(OutboxMessage).filter_by(recipient="bea@example.org")).one()
    assert mail.subject == "You now report for a school on Incubator" and "Bayou Learning Lab" in mail.body_text
    assert actions()[-1] == "sustainability.reporter.added"
    assert "Bayou Learning Lab" in page(make_client(bea).get("/sustainability/"))


def test_an_unconfirmed_account_is_invited_not_added(make_client, make_user, school_world):
    """Anyone can register any address: only the mailbox proves it is theirs."""
    make_user("squatter@example.org", confirmed=False)
    finance = make_client(school_world.finance)
    assert finance.post(reporters_url(school_world.school), data={"email": "squatter@example.org"}).status_code == 302
    assert count(SchoolReporter) == 1 and count(SchoolInvitation) == 1


def invite_new(make_client, school_world, email="newcomer@example.org") -> str:
    """Finance invites an address without an account; the token from the mailed link."""
    finance = make_client(school_world.finance)
    response = finance.post(reporters_url(school_world.school), data={"email": email})
    assert response.status_code == 302
    mail = db.session.scalars(sa.select(OutboxMessage).filter_by(recipient=email)).one()
    assert mail.subject == "You are invited to report for a school on Incubator"
    return mail.body_text.split("/sustainability/invitations/")[1].split()[0]


def test_inviting_a_new_person_mails_a_link_they_accept(make_client, make_user, school_world):
    token = invite_new(make_client, school_world)
    invitation = db.session.scalars(sa.select(SchoolInvitation)).one()
    assert invitation.token_hash == tokens.hash_token(token) and token not in invitation.token_hash
    assert actions()[-1] == "sustainability.invitation.sent"
    url = f"/sustainability/invitations/{token}"
    # Not signed in: the page says what it is and asks to create an account.
    visitor = make_client()
    shown = visitor.get(url)
    assert shown.status_code == 200 and "Bayou Learning Lab" in page(shown) and "Create an account" in page(shown)
    newcomer = make_user("newcomer@example.org", name="Nia Newcomer")
    browser = make_client(newcomer)
    assert "Report for Bayou Learning Lab" in page(browser.get(url))
    assert "Bayou Learning Lab" not in page(browser.get("/sustainability/"))
    response = browser.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sustainability/schools/{school_world.school.id}")
    db.session.expire_all()
    assert db.session.scalar(sa.select(SchoolReporter).filter_by(user_id=newcomer.id)).school_id == school_world.school.id
    assert db.session.get(SchoolInvitation, invitation.id).accepted_by_id == newcomer.id
    assert actions()[-1] == "sustainability.invitation.accepted"
    assert "Bayou Learning Lab" in page(browser.get("/sustainability/"))
    # Used: the link now says so, and accepting again changes nothing.
    again = browser.post(url)
    assert again.status_code == 410 and "accepted" in page(again) and count(SchoolReporter) == 2


def test_only_the_invited_address_accepts(make_client, make_user, school_world):
    token = invite_new(make_client, school_world)
    someone = make_client(make_user("someone@example.org"))
    url = f"/sustainability/invitations/{token}"
    assert someone.get(url).status_code == 403
    response = someone.post(url)
    assert response.status_code == 403 and "another address" in page(response)
    assert count(SchoolReporter) == 1


def test_unknown_expired_and_revoked_links(make_client, make_user, school_world):
    token = invite_new(make_client, school_world)
    browser = make_client(make_user("newcomer@example.org"))
    assert browser.get("/sustainability/invitations/nope").status_code == 404
    assert browser.get("/sustainability/invitations/" + "x" * 500).status_code == 404
    invitation = db.session.scalars(sa.select(SchoolInvitation)).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = browser.post(f"/sustainability/invitations/{token}")
    assert expired.status_code == 410 and "expired" in page(expired) and count(SchoolReporter) == 1
    invitation.expires_at, invitation.revoked_at = utcnow() + timedelta(days=1), utcnow()
    db.session.commit()
    revoked = browser.get(f"/sustainability/invitations/{token}")
    assert revoked.status_code == 410 and "revoked" in page(revoked)


@pytest.mark.parametrize("email, message", [
    ("lead@example.org", "and already reports for it"),
    ("RITA@example.org", "already reports for Bayou Learning Lab"),
    ("not an address", "Enter an email address like"),
    ("", "Enter an email address."),
])
def test_a_duplicate_or_bad_address_is_refused_and_nothing_is_saved(make_client, school_world, email, message):
    finance = make_client(school_world.finance)
    before = (count(SchoolReporter), count(SchoolInvitation), count(OutboxMessage), len(actions()))
    response = finance.post(reporters_url(school_world.school), data={"email": email})
    assert response.status_code == 422 and message in page(response)
    assert (count(SchoolReporter), count(SchoolInvitation), count(OutboxMessage), len(actions())) == before


def test_a_second_invitation_to_the_same_address_is_refused(make_client, school_world):
    invite_new(make_client, school_world)
    finance = make_client(school_world.finance)
    response = finance.post(reporters_url(school_world.school), data={"email": "Newcomer@example.org"})
    assert response.status_code == 422 and "already has a pending invitation" in page(response)
    assert count(SchoolInvitation) == 1


def test_finance_revokes_an_invitation(make_client, school_world):
    token = invite_new(make_client, school_world)
    invitation = db.session.scalars(sa.select(SchoolInvitation)).one()
    finance = make_client(school_world.finance)
    url = f"/sustainability/schools/{school_world.school.id}/invitations/{invitation.id}/revoke"
    assert finance.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(SchoolInvitation, invitation.id).revoked_at is not None
    assert actions()[-1] == "sustainability.invitation.revoked"
    assert "<td>newcomer@example.org</td>" not in page(finance.get(reporters_url(school_world.school)))
    # Twice: said so, nothing more recorded.
    events = len(actions())
    finance.post(url)
    assert len(actions()) == events
    assert make_client().get(f"/sustainability/invitations/{token}").status_code == 410


def test_finance_removes_a_named_reporter(make_client, school_world):
    named = db.session.scalars(sa.select(SchoolReporter)).one()
    finance = make_client(school_world.finance)
    url = f"/sustainability/schools/{school_world.school.id}/reporters/{named.id}/remove"
    response = finance.post(url)
    assert response.status_code == 302
    assert count(SchoolReporter) == 0 and actions()[-1] == "sustainability.reporter.removed"
    rita = make_client(school_world.reporter)
    assert "Bayou Learning Lab" not in page(rita.get("/sustainability/"))
    assert rita.get(f"/sustainability/schools/{school_world.school.id}").status_code == 404


def test_others_cannot_manage_reporters(make_client, make_user, school_world, other_org_finance):
    named = db.session.scalars(sa.select(SchoolReporter)).one()
    invitation = SchoolInvitation(school_id=school_world.school.id, email="x@example.org",
                                  token_hash=tokens.hash_token("tok"), expires_at=utcnow() + timedelta(days=3))
    db.session.add(invitation)
    db.session.commit()
    school_id = school_world.school.id
    urls = [reporters_url(school_world.school), f"/sustainability/schools/{school_id}/reporters/{named.id}/remove",
            f"/sustainability/schools/{school_id}/invitations/{invitation.id}/revoke"]
    before = (count(SchoolReporter), count(SchoolInvitation), len(actions()))
    for user in (other_org_finance, school_world.staff, school_world.lead, school_world.reporter):
        browser = make_client(user)
        assert browser.get(urls[0]).status_code == 404
        for url in urls:
            assert browser.post(url, data={"email": "evil@example.org"}).status_code == 404, (user.email, url)
    # A reporter of another school of the same organisation: the ids do not match.
    other = school_world.make_school("Second Line Academy")
    finance = make_client(school_world.finance)
    assert finance.post(f"/sustainability/schools/{other.id}/reporters/{named.id}/remove").status_code == 404
    assert finance.post(f"/sustainability/schools/{other.id}/invitations/{invitation.id}/revoke").status_code == 404
    assert (count(SchoolReporter), count(SchoolInvitation), len(actions())) == before
    assert db.session.get(SchoolInvitation, invitation.id).revoked_at is None


# ---- Your schools --------------------------------------------------------------------------------


def test_a_reporter_sees_only_their_schools_with_each_years_status(make_client, school_world):
    other = school_world.make_school("Second Line Academy")
    school_world.make_report(1, ReportStatus.verified)
    school_world.make_report(2, ReportStatus.returned)
    for user in (school_world.lead, school_world.reporter):
        body = page(make_client(user).get("/sustainability/"))
        assert "Bayou Learning Lab" in body and "Second Line Academy" not in body
        assert "Verified" in body and "Returned for changes" in body and "Not started" in body
        assert f"/sustainability/schools/{school_world.school.id}/years/3/report" in body
        assert f"/sustainability/schools/{other.id}" not in body


def test_finance_and_staff_who_report_for_nothing_go_to_the_portfolio(make_client, school_world):
    for user in (school_world.finance, school_world.staff):
        response = make_client(user).get("/sustainability/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/sustainability/portfolio")


def test_nobody_sees_an_empty_page(make_client, make_user):
    response = make_client(make_user("nobody@example.org")).get("/sustainability/")
    assert response.status_code == 200 and "You do not report for any school" in page(response)
    assert make_client().get("/sustainability/").status_code == 302


def test_finance_of_two_organisations_chooses_one(make_client, make_org, grant_role, school_world):
    from incubator.accounts.models import Role

    second = make_org("Second City Schools", slug="second")
    grant_role(school_world.finance, second, Role.finance)
    finance = make_client(school_world.finance)
    chooser = finance.get(NEW)
    assert chooser.status_code == 200 and f"organisation_id={second.id}" in page(chooser)
    assert finance.post(NEW, data=SCHOOL).status_code == 400 and count(School) == 1
    response = finance.post(NEW + f"?organisation_id={second.id}", data=SCHOOL)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(School).filter_by(name="Crescent City Prep")).organisation_id == second.id


def test_the_audit_trail_reads_the_schools_events_in_words(make_client, make_user, admin, school_world):
    make_user("bea@example.org", name="Bea Bookkeeper")
    finance = make_client(school_world.finance)
    finance.post(NEW, data=SCHOOL)
    finance.post(reporters_url(school_world.school), data={"email": "bea@example.org"})
    finance.post(reporters_url(school_world.school), data={"email": "newcomer@example.org"})
    body = page(make_client(admin).get("/admin/audit"))
    for sentence in ("Frankie Finance</a> added the school <a", "Frankie Finance</a> named bea@example.org <a",
                     ">a reporter of Bayou Learning Lab</a>", "Frankie Finance</a> sent newcomer@example.org <a",
                     ">the invitation to report for Bayou Learning Lab</a>"):
        assert sentence in body, sentence
