"""Who sees and changes an application, its PDF and its files: the team, and staff of the
challenge's organisation. Everyone else gets 404; a signed-out visitor is offered to sign in from it."""
import io
from urllib.parse import quote

import pytest

from incubator.accounts.models import Role
from incubator.applications import states
from incubator.applications.jobs import pdf_dir
from incubator.applications.models import Attachment
from incubator.applications.states import Status
from incubator.extensions import db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def with_file(make_client, member, complete_application):
    client = make_client(member)
    client.post(f"/applications/{complete_application.id}/attachments", content_type="multipart/form-data",
                data={"file": (io.BytesIO(PDF), "plan.pdf")})
    pdf_dir().joinpath(f"application-{complete_application.id}.pdf").write_bytes(PDF)
    complete_application.pdf_path, complete_application.pdf_sha256 = f"application-{complete_application.id}.pdf", "0" * 64
    db.session.commit()
    attachment = db.session.scalar(db.select(Attachment).filter_by(original_filename="plan.pdf"))
    return complete_application, attachment


def urls(application, attachment):
    base = f"/applications/{application.id}"
    return [base, f"{base}/edit", f"{base}/pdf", f"{base}/submit", f"{base}/withdraw",
            f"{base}/attachments/{attachment.id}"]


@pytest.fixture
def outsiders(make_user, make_team, make_org, grant_role, make_client):
    other_org = make_org("CityBridge", slug="citybridge")
    other_team_lead = make_user("other-lead@example.org")
    make_team("Another Team", lead=other_team_lead)
    return {
        "another team": make_client(other_team_lead),
        "reviewer of another organisation": make_client(grant_role(make_user(), other_org, Role.reviewer)),
        "staff of another organisation": make_client(grant_role(make_user(), other_org, Role.program_staff)),
    }


def test_outsiders_can_neither_see_edit_nor_download(with_file, outsiders):
    application, attachment = with_file
    for who, client in outsiders.items():
        for url in urls(application, attachment):
            assert client.get(url).status_code == 404, (who, url)
        for url in (f"/applications/{application.id}/edit", f"/applications/{application.id}/submit",
                    f"/applications/{application.id}/withdraw", f"/applications/{application.id}/attachments",
                    f"/applications/{application.id}/attachments/{attachment.id}/delete"):
            assert client.post(url, data={"school_name": "Hijacked", "confirm": "y"}).status_code == 404, (who, url)
    db.session.expire_all()
    assert application.school_name == "Bayou Community School" and application.status == Status.draft
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 2


def test_a_signed_out_visitor_gets_404_with_a_way_to_sign_in_and_come_back(client, with_file):
    application, attachment = with_file
    for url in urls(application, attachment):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bayou Community School" not in response.text
        assert f'href="/login?next={quote(url, safe="")}"' in response.text.replace("&amp;", "&") or \
            f'href="/login?next={url}"' in response.text, url
    response = client.post(f"/applications/{application.id}/edit", data={"school_name": "Hijacked"})
    assert response.status_code == 404
    db.session.expire_all()
    assert application.school_name == "Bayou Community School"


def test_a_reviewer_of_the_same_organisation_does_not_see_drafts_through_these_pages(with_file, make_client, reviewer):
    application, attachment = with_file
    client = make_client(reviewer)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get(f"/applications/{application.id}/attachments/{attachment.id}").status_code == 404


def test_a_draft_is_the_teams_own_work_even_for_program_staff_and_admins(with_file, make_client, staff, admin):
    application, attachment = with_file
    for person in (staff, admin):
        client = make_client(person)
        for url in urls(application, attachment):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/applications/{application.id}/edit", data={"school_name": "Staff edit"}).status_code == 404


def test_program_staff_and_admins_of_the_organisation_see_a_submitted_one_and_download_but_do_not_edit(
        with_file, make_client, staff, admin):
    from incubator.core.timeutil import utcnow

    application, attachment = with_file
    application.status, application.submitted_at = Status.submitted, utcnow()
    db.session.commit()
    for person in (staff, admin):
        client = make_client(person)
        assert client.get(f"/applications/{application.id}").status_code == 200
        assert client.get(f"/applications/{application.id}/attachments/{attachment.id}").data == PDF
        assert client.get(f"/applications/{application.id}/pdf").data == PDF
        assert client.post(f"/applications/{application.id}/edit", data={"school_name": "Staff edit"}).status_code == 409
        assert client.post(f"/applications/{application.id}/submit").status_code == 409
    db.session.expire_all()
    assert application.school_name == "Bayou Community School" and application.status == Status.submitted


def test_an_attachment_is_only_reached_through_its_own_application(with_file, make_client, make_team, member, challenge):
    from incubator.applications.models import Application

    application, attachment = with_file
    mine = Application(team=make_team("Member's other team", lead=member), challenge=challenge)
    db.session.add(mine)
    db.session.commit()
    client = make_client(member)
    assert client.get(f"/applications/{mine.id}/attachments/{attachment.id}").status_code == 404


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_the_state_table(current, target):
    allowed = {
        (Status.draft, Status.submitted), (Status.draft, Status.withdrawn), (Status.submitted, Status.eligible),
        (Status.submitted, Status.ineligible), (Status.submitted, Status.withdrawn),
        (Status.eligible, Status.ineligible), (Status.eligible, Status.withdrawn), (Status.ineligible, Status.eligible),
        # Review decisions: from eligible, again from a later round, and off the waitlist.
        *((Status.eligible, s) for s in (Status.advanced, Status.selected, Status.waitlisted, Status.declined)),
        *((Status.advanced, s) for s in (Status.advanced, Status.selected, Status.waitlisted, Status.declined,
                                         Status.withdrawn)),
        *((Status.waitlisted, s) for s in (Status.advanced, Status.selected, Status.declined, Status.withdrawn)),
        # Selected and declined are final: a selected team can no longer withdraw.
    }
    assert states.can(current, target) == ((current, target) in allowed)
    if (current, target) not in allowed:
        with pytest.raises(states.InvalidTransition):
            states.check(current, target)


def test_ids_beyond_any_row_answer_404_not_500(make_client, lead, application):
    client = make_client(lead)
    for url in ("/applications/99999999999999999999", "/applications/teams/9999999999999",
                f"/applications/{application.id}/attachments/99999999999999999999999",
                "/applications/99999999999999999999/pdf"):
        assert client.get(url).status_code == 404, url
