"""The award letter PDF (made by a job, deterministic, its SHA-256 stored), and the grantee
lead's acceptance or decline of the offer."""
import hashlib
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import acceptance, letter_jobs
from incubator.grants.letter_pdf import render_letter, terms_blocks
from incubator.grants.models import Grant
from incubator.grants.states import GrantStatus, TrancheStatus
from tests.grants.letter_helpers import fake_on_acceptance, make_letter


@pytest.fixture
def on_acceptance_calls(monkeypatch):
    """tranches.on_acceptance is the offers area's (a stub on this branch): a stand-in."""
    return fake_on_acceptance(monkeypatch)


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages)


def hidden_sha(page: str) -> str:
    match = re.search(r'name="letter_sha256"[^>]*value="([0-9a-f]*)"', page) or \
        re.search(r'value="([0-9a-f]{64})"[^>]*name="letter_sha256"', page)
    return match.group(1) if match else ""


def accept_form(page: str, name: str, agree=True) -> dict:
    data = {"full_name": name, "letter_sha256": hidden_sha(page)}
    if agree:
        data["agree"] = "y"
    return data


# ---- the letter ---------------------------------------------------------------------------------


def test_the_letter_is_made_by_a_job_shows_the_offer_and_its_hash_is_stored(make_client, grants_world, run_jobs):
    world = grants_world
    client = make_client(world.lead)
    url = f"/grants/{world.grant.id}/letter"
    pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.text and "data-refresh-after" in pending.text
    run_jobs(["pdf"])
    done = client.get(url)
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    grant = db.session.get(Grant, world.grant.id)
    assert grant.letter_sha256 == hashlib.sha256(done.data).hexdigest()
    text = pdf_text(done.data)
    for expected in (world.org.name, world.application.school_name, world.lead.name, "Planning grant",
                     "$100,000", "$40,000", "$30,000", "On acceptance", "prototype", "planning",
                     f"{grant.expires_on:%-d %B %Y}"):
        assert expected.lower() in text.lower(), expected


def test_the_same_grant_makes_the_same_bytes_and_a_change_makes_another_letter(grants_world):
    grant = grants_world.grant
    first, second = render_letter(grant), render_letter(grant)
    assert first == second and first.startswith(b"%PDF")
    before = letter_jobs.fingerprint(grant)
    grant.terms = "Other terms."
    db.session.commit()
    assert letter_jobs.fingerprint(grant) != before
    assert render_letter(grant) != first


def test_running_the_letter_job_twice_makes_one_file_and_keeps_the_hash(grants_world):
    sha = make_letter(grants_world.grant)
    assert sha and len(sha) == 64
    assert letter_jobs.render_award_letter(grants_world.grant.id, letter_jobs.fingerprint(grants_world.grant)) \
        == "already made"
    assert db.session.get(Grant, grants_world.grant.id).letter_sha256 == sha
    assert letter_jobs.render_award_letter(999_999, "0" * 16) == "nothing to do"


def test_terms_markdown_becomes_safe_paragraphs():
    blocks = terms_blocks("# Use\n\nPay **staff** and *design*.\n\n- one\n- <script>alert(1)</script> two\n\n"
                          "1. first\n2. second\n\n<a href='javascript:x'>link</a> & `code`", lambda s: s
                          .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    kinds = [kind for kind, _, _ in blocks]
    assert kinds[0] == "heading" and "bullet" in kinds
    markup = " ".join(m for _, m, _ in blocks)
    assert "<b>staff</b>" in markup and "<i>design</i>" in markup
    assert "<script" not in markup and "<a" not in markup and "link" in markup
    assert [b for _, _, b in blocks if b.endswith(".")] == ["1.", "2."]


def test_a_letter_of_hostile_terms_and_names_still_renders(grants_world):
    grant = grants_world.grant
    grant.terms = "**unclosed *nest** <b>raw</b> <para>x</para> & \x07 \u202e \U0001F600 " + "word " * 3000
    grants_world.application.school_name = "<i>Bold</i> & \x07 school"
    db.session.commit()
    content = render_letter(grant)
    assert content.startswith(b"%PDF") and "school" in pdf_text(content)


@pytest.mark.parametrize("who", ["signed out", "outsider", "other team's lead"])
def test_others_get_404_on_the_letter(make_client, make_user, grants_world, make_grants_world, org, who):
    if who == "signed out":
        client = make_client()
    elif who == "outsider":
        client = make_client(make_user("nobody@example.org"))
    else:
        client = make_client(make_grants_world(org, grants_world.staff, grants_world.finance).lead)
    assert client.get(f"/grants/{grants_world.grant.id}/letter").status_code == 404
    assert client.get(f"/grants/{grants_world.grant.id}/accept").status_code == 404


# ---- acceptance ---------------------------------------------------------------------------------


def test_the_lead_accepts_and_the_record_is_stored_and_shown(make_client, grants_world, on_acceptance_calls):
    world = grants_world
    sha = make_letter(world.grant)
    client = make_client(world.lead)
    page = client.get(f"/grants/{world.grant.id}/accept")
    assert page.status_code == 200
    assert "Type your full name" in page.text and f"accept it on behalf of {world.application.school_name}" in page.text
    assert hidden_sha(page.text) == sha and "$40,000" in page.text and "planning" in page.text
    response = client.post(f"/grants/{world.grant.id}/accept", data=accept_form(page.text, "  Lee   Q. Lead "))
    assert response.status_code == 302
    grant = db.session.get(Grant, world.grant.id)
    assert grant.status is GrantStatus.accepted
    assert grant.accepted_name == "Lee Q. Lead" and grant.accepted_by_id == world.lead.id
    assert grant.accepted_letter_sha256 == sha and grant.accepted_ip
    assert grant.accepted_at is not None
    assert on_acceptance_calls == [(grant.id, world.lead.id)]
    assert grant.tranches[0].status is TrancheStatus.due
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "grants.grant.accepted"))
    assert event is not None
    shown = client.get(f"/grants/{world.grant.id}/accept").text
    assert "Lee Q. Lead" in shown and sha in shown and "Accepted" in shown
    assert 'name="full_name"' not in shown  # nothing left to answer
    # The letter now shows the acceptance record (a new letter, a new fingerprint).
    make_letter(grant)
    assert "Lee Q. Lead" in pdf_text(client.get(f"/grants/{world.grant.id}/letter").data)


def test_accepting_before_the_letter_is_made_is_refused(make_client, grants_world, on_acceptance_calls):
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept")
    assert "being prepared" in page.text and 'name="full_name"' not in page.text
    response = client.post(f"/grants/{grants_world.grant.id}/accept",
                           data={"full_name": "Lee Lead", "agree": "y", "letter_sha256": ""})
    assert response.status_code == 409 and "being prepared" in response.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered


def test_an_expired_offer_cannot_be_accepted_even_before_the_sweep(make_client, grants_world, on_acceptance_calls):
    make_letter(grants_world.grant)
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    grant = grants_world.grant
    grant.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/grants/{grant.id}/accept", data=accept_form(page, "Lee Lead"))
    assert response.status_code == 409 and "expired" in response.text
    assert db.session.get(Grant, grant.id).status is GrantStatus.offered and not on_acceptance_calls


def test_a_withdrawn_offer_cannot_be_accepted(make_client, grants_world, on_acceptance_calls):
    make_letter(grants_world.grant)
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    grants_world.grant.status = GrantStatus.withdrawn
    db.session.commit()
    response = client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(page, "Lee Lead"))
    assert response.status_code == 409 and "withdrawn" in response.text
    assert db.session.get(Grant, grants_world.grant.id).accepted_at is None


def test_a_letter_that_changed_since_it_was_opened_is_refused(make_client, grants_world, on_acceptance_calls):
    make_letter(grants_world.grant)
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    grants_world.grant.terms = "New terms: the grant pays half."
    db.session.commit()
    make_letter(grants_world.grant)
    response = client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(page, "Lee Lead"))
    assert response.status_code == 409 and "changed since you opened it" in response.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered
    # Read again: the page now carries the new letter's hash and accepting works.
    again = client.get(f"/grants/{grants_world.grant.id}/accept").text
    assert client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(again, "Lee Lead")).status_code == 302


@pytest.mark.parametrize("name,agree,message", [
    ("x" * 10_000, True, "at most 200"),
    ("Lee\x00Lead", True, "not allowed"),
    ("Lee\u202eLead", True, "one line"),
    ("   ", True, "Type your full name"),
    ("Lee Lead", False, "Tick the box"),
])
def test_hostile_or_missing_answers_are_refused_with_a_message(make_client, grants_world, on_acceptance_calls,
                                                               name, agree, message):
    make_letter(grants_world.grant)
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    response = client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(page, name, agree))
    assert response.status_code == 422 and message in response.text and "error-summary" in response.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered


def test_the_service_refuses_a_name_too_long_or_empty(grants_world, on_acceptance_calls):
    sha = make_letter(grants_world.grant)
    for name in ("", "x" * 201, "a\nb"):
        with pytest.raises(acceptance.ValidationFailed):
            acceptance.accept(grants_world.grant, actor=grants_world.lead, full_name=name, ip="1.2.3.4",
                              letter_sha256=sha, now=utcnow())
    db.session.rollback()


def test_a_member_who_is_not_the_lead_reads_the_offer_but_cannot_answer(make_client, grants_world,
                                                                         on_acceptance_calls):
    make_letter(grants_world.grant)
    client = make_client(grants_world.member)
    page = client.get(f"/grants/{grants_world.grant.id}/accept")
    assert page.status_code == 200 and "Only" in page.text and 'name="full_name"' not in page.text
    lead_page = make_client(grants_world.lead).get(f"/grants/{grants_world.grant.id}/accept").text
    data = accept_form(lead_page, "Mo Member")
    assert client.post(f"/grants/{grants_world.grant.id}/accept", data=data).status_code == 404
    assert client.post(f"/grants/{grants_world.grant.id}/decline", data=data).status_code == 404
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered


def test_staff_and_finance_read_the_offer_and_cannot_answer(make_client, grants_world):
    for user in (grants_world.staff, grants_world.finance):
        client = make_client(user)
        page = client.get(f"/grants/{grants_world.grant.id}/accept")
        assert page.status_code == 200 and 'name="full_name"' not in page.text
        assert client.post(f"/grants/{grants_world.grant.id}/decline", data={}).status_code == 404


def test_another_teams_lead_gets_404(make_client, grants_world, make_grants_world, org):
    other = make_grants_world(org, grants_world.staff, grants_world.finance)
    client = make_client(other.lead)
    assert client.get(f"/grants/{grants_world.grant.id}/accept").status_code == 404
    assert client.post(f"/grants/{grants_world.grant.id}/decline").status_code == 404


# ---- decline ------------------------------------------------------------------------------------


def test_the_lead_declines_with_a_reason(make_client, grants_world):
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    assert "data-confirm" in page and "Decline the offer" in page
    response = client.post(f"/grants/{grants_world.grant.id}/decline",
                           data={"reason": "We found <b>another</b> funder."})
    assert response.status_code == 302
    grant = db.session.get(Grant, grants_world.grant.id)
    assert grant.status is GrantStatus.declined and grant.end_reason == "We found <b>another</b> funder."
    assert grant.ended_by_id == grants_world.lead.id
    shown = client.get(f"/grants/{grant.id}/accept").text
    assert "Declined" in shown and "&lt;b&gt;another" in shown
    # Declined is final: declining again says so.
    again = client.post(f"/grants/{grant.id}/decline", data={}, follow_redirects=True)
    assert "can no longer be answered" in again.text


def test_a_too_long_reason_is_refused(make_client, grants_world):
    client = make_client(grants_world.lead)
    response = client.post(f"/grants/{grants_world.grant.id}/decline", data={"reason": "x" * 5000})
    assert response.status_code == 422 and "at most 1,000" in response.text
    assert db.session.get(Grant, grants_world.grant.id).status is GrantStatus.offered


def test_finance_of_another_organisation_gets_404(make_client, make_user, make_org, grant_role, grants_world):
    away = grant_role(make_user("away-fin@example.org"), make_org("Elsewhere", slug="elsewhere"), Role.finance)
    client = make_client(away)
    assert client.get(f"/grants/{grants_world.grant.id}/accept").status_code == 404
    assert client.get(f"/grants/{grants_world.grant.id}/letter").status_code == 404


def test_an_answer_from_a_stale_copy_is_refused(grants_world, on_acceptance_calls):
    sha = make_letter(grants_world.grant)
    grant = grants_world.grant
    db.session.execute(sa.update(Grant).where(Grant.id == grant.id).values(version=grant.version + 5)
                       .execution_options(synchronize_session=False))
    with pytest.raises(acceptance.lifecycle.ChangedMeanwhile):
        acceptance.accept(grant, actor=grants_world.lead, full_name="Lee Lead", ip="10.0.0.1", letter_sha256=sha,
                          now=utcnow())
    db.session.rollback()
    assert db.session.get(Grant, grant.id).accepted_at is None and not on_acceptance_calls


def test_an_accepted_offer_cannot_be_answered_again(grants_world, on_acceptance_calls):
    sha = make_letter(grants_world.grant)
    acceptance.accept(grants_world.grant, actor=grants_world.lead, full_name="Lee Lead", ip="10.0.0.1",
                      letter_sha256=sha, now=utcnow())
    db.session.commit()
    for answer in (lambda: acceptance.accept(grants_world.grant, actor=grants_world.lead, full_name="Lee Lead",
                                             ip="10.0.0.1", letter_sha256=sha, now=utcnow()),
                   lambda: acceptance.decline(grants_world.grant, actor=grants_world.lead, now=utcnow())):
        with pytest.raises(acceptance.OfferClosed):
            answer()
    db.session.rollback()
    assert len(on_acceptance_calls) == 1


def test_an_expired_offer_cannot_be_declined_either(grants_world):
    grants_world.grant.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(acceptance.OfferClosed, match="expired"):
        acceptance.decline(grants_world.grant, actor=grants_world.lead, now=utcnow())
    db.session.rollback()


@pytest.mark.parametrize("grant_id", ["0", "99999", "99999999999"])
def test_wrong_ids_get_404(make_client, grants_world, grant_id):
    client = make_client(grants_world.lead)
    for suffix in ("/letter", "/accept", "/payee"):
        assert client.get(f"/grants/{grant_id}{suffix}").status_code == 404
    assert client.post(f"/grants/{grant_id}/decline").status_code == 404


def test_staff_and_finance_read_the_letter(make_client, grants_world):
    make_letter(grants_world.grant)
    for user in (grants_world.staff, grants_world.finance, grants_world.member):
        response = make_client(user).get(f"/grants/{grants_world.grant.id}/letter")
        assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_form_sent_back_with_errors_keeps_the_hash_of_the_letter_read(make_client, grants_world,
                                                                        on_acceptance_calls):
    make_letter(grants_world.grant)
    client = make_client(grants_world.lead)
    page = client.get(f"/grants/{grants_world.grant.id}/accept").text
    grants_world.grant.terms = "Changed terms."
    db.session.commit()
    new_sha = make_letter(grants_world.grant)
    missing = client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(page, "Lee Lead", agree=False))
    assert missing.status_code == 422 and hidden_sha(missing.text) == hidden_sha(page) != new_sha
    refused = client.post(f"/grants/{grants_world.grant.id}/accept", data=accept_form(missing.text, "Lee Lead"))
    assert refused.status_code == 409 and "changed since you opened it" in refused.text
