"""An organisation's mail templates: placeholders filled, nothing else (hostile text stays as
typed and never reaches attributes), unknown placeholders refused when edited, the pages for
its program staff only, and the team's decision mail in the organisation's own wording."""
import re

import pytest
import sqlalchemy as sa

from incubator.core import mail_templates
from incubator.core.audit import AuditEvent
from incubator.core.mail_templates import MailTemplate
from incubator.extensions import db
from incubator.reviews import mail  # noqa: F401 (registers the decision mails)
from incubator.reviews.mail import key_for

SELECT = "review.decision.select"
VALUES = {"team": "Bayou Lab", "school": "Bayou School", "challenge": "Future of School", "round": "Written review",
          "decision": "Selected", "rationale": "Strong.", "link": "https://example.org/applications/1"}


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_four_decision_mails_are_registered_with_their_placeholders():
    for outcome in ("advance", "select", "waitlist", "decline"):
        kind = mail_templates.kind(f"review.decision.{outcome}")
        assert {"team", "school", "challenge", "round", "decision", "rationale"} <= set(kind.placeholders)
        assert mail_templates.problems(kind.key, kind.subject, kind.body) == []  # the defaults are valid


def test_render_fills_only_the_registered_placeholders():
    kind = mail_templates.Kind(SELECT, "x", "{team} at {challenge}", "Dear {team} ({school}): {decision}. {unknown}",
                               mail_templates.kind(SELECT).placeholders)
    assert mail_templates.render(kind, VALUES) == (
        "Bayou Lab at Future of School", "Dear Bayou Lab (Bayou School): Selected. {unknown}")


@pytest.mark.parametrize("hostile", ["{team.__class__}", "{team.__class__.__mro__}", "{0}", "{team!r}",
                                     "{team:>99999999}", "{{team}}", "{{", "}}", "{", "{ team }", "%(team)s",
                                     "{rationale[0]}", "{{ config }}"])
def test_hostile_template_text_stays_as_typed(hostile):
    kind = mail_templates.Kind(SELECT, "x", "Hi", f"A {hostile} B", mail_templates.kind(SELECT).placeholders)
    _, body = mail_templates.render(kind, VALUES)
    if hostile == "{{team}}":
        assert body == "A {Bayou Lab} B"  # the inner placeholder, and nothing more
    else:
        assert body == f"A {hostile} B"
    assert "class" not in body.replace(hostile, "") and "Config" not in body


def test_a_value_cannot_add_a_line_to_the_subject():
    kind = mail_templates.kind(SELECT)
    subject, _ = mail_templates.render(kind, {**VALUES, "team": "Evil\r\nBcc: everyone@example.org"})
    assert "\n" not in subject and "\r" not in subject


@pytest.mark.parametrize("subject, body, expected", [
    ("Hi {team}", "Body {teem}", "Unknown placeholder {teem}. The placeholders you can use are {team}, {school}"),
    ("Hi {team.__class__}", "Body", "Unknown placeholder {team.__class__}"),
    ("Hi", "Body {0} and {1}", "Unknown placeholders {0}, {1}"),
    ("", "Body", "Write a subject."),
    ("Hi\nBcc: x@example.org", "Body", "The subject must be one line."),
    ("x" * 201, "Body", "The subject is at most 200 characters"),
    ("Hi", "", "Write the message."),
    ("Hi", "x" * 20_001, "The message is at most 20,000 characters"),
    ("Hi", "nul \x00 byte", "control characters"),
    ("Hi \u202e", "Body", "control characters or direction overrides"),
])
def test_validation_lists_what_is_wrong(subject, body, expected):
    found = " ".join(mail_templates.problems(SELECT, subject, body))
    assert expected in found


def test_braces_that_are_not_placeholders_are_allowed():
    assert mail_templates.problems(SELECT, "Hi {team}", "Use {{ or { spaced } freely; {team}") == []


@pytest.fixture
def staff_client(make_client, staff):
    return make_client(staff)


def _url(org, key=SELECT):
    return f"/organisations/{org.id}/mail-templates/{key}"


def test_staff_list_edit_preview_and_reset_a_template(org, staff_client):
    listing = staff_client.get(f"/organisations/{org.id}/mail-templates")
    assert listing.status_code == 200 and "Decision: selected" in listing.text and "Default" in listing.text
    page = staff_client.get(_url(org))
    assert page.status_code == 200 and "{rationale}" in page.text and "Congratulations, {team}" in page.text
    preview = staff_client.post(_url(org), data={"subject": "Yes, {team}!", "body": "Dear {team} of {school}.",
                                                 "action": "preview"})
    assert preview.status_code == 200
    assert "Yes, Bayou Learning Lab!" in preview.text and "Dear Bayou Learning Lab of Bayou Community School." in preview.text
    assert _count(MailTemplate) == 0
    saved = staff_client.post(_url(org), data={"subject": "Yes, {team}!", "body": "Dear {team}.", "action": "save"})
    assert saved.status_code == 302
    row = db.session.scalar(sa.select(MailTemplate))
    assert (row.organisation_id, row.key, row.subject, row.body) == (org.id, SELECT, "Yes, {team}!", "Dear {team}.")
    assert _count(AuditEvent, AuditEvent.action == "mail_template.updated") == 1
    assert "Edited" in staff_client.get(f"/organisations/{org.id}/mail-templates").text
    reset = staff_client.post(_url(org), data={"action": "reset"})
    assert reset.status_code == 302 and _count(MailTemplate) == 0
    assert _count(AuditEvent, AuditEvent.action == "mail_template.reset") == 1
    trail = staff_client.get("/admin/audit")  # staff are not admins: the trail is admin-only
    assert trail.status_code == 404


def test_the_audit_trail_reads_the_template_edits(org, staff, staff_client, make_client, admin):
    staff_client.post(_url(org), data={"subject": "Yes, {team}!", "body": "Dear {team}.", "action": "save"})
    staff_client.post(_url(org), data={"action": "reset"})
    page = make_client(admin).get("/admin/audit", query_string={"action": "mail_template."})
    sentences = [re.sub(r"<[^>]+>", "", s) for s in re.findall(r'<p class="sentence">(.*?)</p>', page.text, re.S)]
    assert sentences == [
        "Sam Staff reset the email “Decision: selected” of New Schools for New Orleans to the default wording",
        "Sam Staff edited the email “Decision: selected” of New Schools for New Orleans"]


@pytest.mark.parametrize("subject, body, message", [
    ("Hi {team}", "Dear {teem}", "Unknown placeholder {teem}"),
    ("Hi", "{team.__class__}", "Unknown placeholder {team.__class__}"),
    ("Hi", "{0}", "Unknown placeholder {0}"),
    ("Hi", "x" * 20_001, "at most 20,000 characters"),
    ("Hi\x00", "Body", "not allowed"),
    ("Hi\nBcc: x", "Body", "one line"),
    ("", "Body", "Write a subject"),
    ("Hi", "", "Write the message"),
])
def test_hostile_edits_are_refused_and_nothing_is_saved(org, staff_client, subject, body, message):
    page = staff_client.post(_url(org), data={"subject": subject, "body": body, "action": "save"})
    assert page.status_code == 422
    assert message in page.text.replace("&#39;", "'")
    assert _count(MailTemplate) == 0 and _count(AuditEvent, AuditEvent.action.like("mail_template.%")) == 0


def test_the_template_pages_are_for_the_organisations_staff_only(org, make_client, reviewer, make_org, make_user,
                                                               grant_role, client, applicant, staff):
    other = make_org("Elsewhere")
    their_staff = grant_role(make_user("theirs@example.org"), other, "program_staff")
    urls = [f"/organisations/{org.id}/mail-templates", _url(org)]
    for person in (their_staff, reviewer, applicant):
        c = make_client(person)
        for url in urls:
            assert c.get(url).status_code == 404
        assert c.post(_url(org), data={"subject": "Hacked", "body": "Hacked", "action": "save"}).status_code == 404
        assert c.post(_url(org), data={"action": "reset"}).status_code == 404
    for url in urls:
        assert client.get(url).status_code == 404  # signed out
    assert _count(MailTemplate) == 0
    mine = make_client(staff)
    assert mine.get(f"/organisations/{other.id}/mail-templates").status_code == 404
    assert mine.get(_url(org, "no.such.kind")).status_code == 404
    assert mine.get(f"/organisations/{2**31 - 7}/mail-templates").status_code == 404


def test_the_team_gets_the_organisations_edited_wording(review_world, org, staff_client, mailbox, run_jobs):
    staff_client.post(_url(org), data={
        "subject": "{team}: {decision} in {round}",
        "body": "Dear {team} of {school},\n\n{challenge} says: {decision}.\nWhy: {rationale}",
        "action": "save"})
    application = review_world.applications[0]
    response = staff_client.post(
        f"/reviews/rounds/{review_world.round.id}/applications/{application.id}/decide",
        data={"outcome": "select", "rationale": "A costed, tested plan.", "expected_status": "eligible"})
    assert response.status_code == 302
    run_jobs()
    for member in application.team.members:
        message = mailbox.last(member.user.email)
        assert message["Subject"].strip() == f"{application.team.name}: Selected in Written review"
        body = mailbox.body(message)
        assert f"Dear {application.team.name} of {application.school_name}," in body
        assert f"{review_world.challenge.title} says: Selected." in body and "Why: A costed, tested plan." in body
    # Another organisation's wording is its own: the default still applies elsewhere.
    assert mail_templates.template_for(org.id + 1000, SELECT).subject == mail_templates.kind(SELECT).subject


def test_a_stored_hostile_template_is_harmless_when_sent(review_world, org, staff, mailbox, run_jobs, make_client):
    # Written directly (as an old row or a bypassed form would be): rendering still fills nothing else.
    db.session.add(MailTemplate(organisation_id=org.id, key=key_for("decline"), subject="{team.__init__.__globals__}",
                                body="{0} {team.__class__} {{ config }} {% for x in y %}"))
    db.session.commit()
    application = review_world.applications[0]
    make_client(staff).post(f"/reviews/rounds/{review_world.round.id}/applications/{application.id}/decide",
                            data={"outcome": "decline", "rationale": "Not now.", "expected_status": "eligible"})
    run_jobs()
    message = mailbox.last(application.team.members[0].user.email)
    assert message["Subject"].strip() == "{team.__init__.__globals__}"
    assert mailbox.body(message).strip() == "{0} {team.__class__} {{ config }} {% for x in y %}"
