"""The audit trail tells what happened to challenges and applications in words, with links."""
import re

import pytest


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def sentence_of(page, action: str) -> str:
    """The sentence of the first event of `action` on an audit page, as HTML."""
    match = re.search(rf'<tr data-action="{re.escape(action)}">.*?<p class="sentence">(.*?)</p>', page.text, re.S)
    assert match, f"no {action} event on the page"
    return match.group(1)


def words(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_screening_reads_as_a_sentence_with_links(admin_client, staff_client, staff, open_challenge, make_application):
    application = make_application(open_challenge, school_name="Second Line Academy")
    response = staff_client.post(f"/challenges/{open_challenge.id}/applications/{application.id}/screen",
                                 data={"decision": "eligible", "reason": ""})
    assert response.status_code == 302

    sentence = sentence_of(admin_client.get("/admin/audit"), "application.screened")
    assert words(sentence) == "Sam Staff marked Second Line Academy eligible"
    assert f'<a href="/admin/users/{staff.id}">Sam Staff</a>' in sentence
    assert (f'<a href="/challenges/{open_challenge.id}/applications/{application.id}">Second Line Academy</a>'
            in sentence)


def test_an_ineligible_screening_keeps_its_reason_in_the_details(admin_client, staff_client, open_challenge,
                                                                   make_application):
    application = make_application(open_challenge, school_name="Treme School")
    staff_client.post(f"/challenges/{open_challenge.id}/applications/{application.id}/screen",
                      data={"decision": "ineligible", "reason": "Outside <the> parish"})
    page = admin_client.get("/admin/audit")
    assert words(sentence_of(page, "application.screened")) == "Sam Staff marked Treme School ineligible"
    details = re.search(r'<tr data-action="application.screened">.*?<details>(.*?)</details>', page.text, re.S).group(1)
    assert "Outside \\u003cthe\\u003e parish" in details or "Outside &lt;the&gt; parish" in details
    assert "<the>" not in page.text


def test_a_challenge_and_its_questions_are_named_and_linked(admin_client, staff_client, open_challenge):
    from incubator.core import audit
    from incubator.extensions import db

    audit.record(None, "challenge.updated", open_challenge, fields=["title"])
    db.session.commit()
    sentence = sentence_of(admin_client.get("/admin/audit"), "challenge.updated")
    assert words(sentence) == "The system updated the challenge Future of School"
    assert f'href="/challenges/{open_challenge.id}/manage"' in sentence
