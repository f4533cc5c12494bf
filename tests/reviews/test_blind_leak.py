"""The blind-leak acceptance test, by walking: the assigned reviewer of a blind round opens EVERY
GET route of the reviews blueprint (filled from the world), the dashboard, the POSTs a reviewer
makes, and reads every mail they get (assignment, reminder sweep, manual reminder, reopen): none
names the team, its members (names or emails) or a school name marked identifying, in bodies,
headers, PDF text or metadata. The same walk on an open round finds them (so the test can fail).
A reviewer never sees another reviewer's comments on any page they reach."""
import io
import re
from datetime import timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import jobs, notify
from tests.reviews.leak_kit import (LEAD, LEAD_EMAIL, MEMBER, MEMBER_EMAIL, SCHOOL, SECRETS, TEAM, attach_files,
                                    fill)
from tests.reviews.scoring_kit import declared, review_form

# Another reviewer's words: no page of our reviewer may show them, blind or open.
OTHER_OVERALL, OTHER_COMMENT = "Ostentatious Pomegranate verdict", "Saffron Marmalade remark"
MUST_ANSWER_200 = {"reviews.reviewer_queue", "reviews.score", "reviews.assignment_declare", "reviews.assignment_bids",
                   "reviews.reviewer_application_pdf", "reviews.reviewer_attachment"}


def _make_world(make_review_world, org, staff, *, is_blind: bool):
    # Closing within a day: the reminder sweep picks the round up.
    world = make_review_world(org, staff, blind=is_blind, applications=2, reviewers=2, closes_in=timedelta(hours=20))
    world.round.has_bids = True
    application = world.applications[0]
    application.team.name, application.school_name = TEAM, SCHOOL
    application.school_name_identifies_team = True
    lead, member = application.team.members[0].user, application.team.members[1].user
    lead.name, lead.email, member.name, member.email = LEAD, LEAD_EMAIL, MEMBER, MEMBER_EMAIL
    attach_files(application)
    db.session.commit()
    return world


def _read(what: str, response) -> list[tuple[str, str]]:
    """(what, text) for a response: its headers, its body, and a PDF's text, metadata and XMP."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    data = response.get_data()
    seen = [(f"{what} headers", headers)]
    if response.mimetype == "application/pdf" or data.startswith(b"%PDF"):
        reader = PdfReader(io.BytesIO(data))
        xmp = reader.trailer["/Root"].get("/Metadata")
        seen += [(f"{what} PDF text", " ".join(page.extract_text() for page in reader.pages)),
                 (f"{what} PDF metadata", repr(reader.metadata)),
                 (f"{what} PDF XMP", xmp.get_object().get_data().decode("latin-1") if xmp is not None else ""),
                 (f"{what} bytes", data.decode("latin-1"))]
    else:
        seen.append((f"{what} body", data.decode("utf-8", errors="replace")))
    return seen


def _walk_gets(app, client, ids, attachment_ids) -> tuple[list, dict]:
    """Every GET route of the blueprint, as `client`: (what, text) of each, and {endpoint: statuses}."""
    seen, statuses = [], {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("reviews.") or "GET" not in rule.methods:
            continue
        values = attachment_ids if "<int:attachment_id>" in rule.rule else [None]
        for attachment_id in values:
            url = fill(rule.rule, {**ids, "attachment_id": attachment_id})
            if rule.endpoint == "reviews.round_declare":
                continue  # the blind list of people: checked on its own below
            response = client.get(url)
            statuses.setdefault(rule.endpoint, []).append(response.status_code)
            assert response.status_code in (200, 404), (url, response.status_code)
            if response.status_code == 200:
                seen += _read(url, response)
    return seen, statuses


def _everything(app, world, make_client, staff) -> tuple[list, dict, str, list]:
    """What the reviewer gets: (what, text) items, the GET statuses, the round's list page, their mail."""
    reviewer, other = world.reviewers
    application, second = world.applications
    now = utcnow()
    assignment = world.assign(application, reviewer)
    second_assignment = world.assign(second, reviewer)
    # The other reviewer scores the same application, with words of their own.
    theirs = declared(world, application, other)
    make_client(other).post(f"/reviews/assignments/{theirs.id}", data=review_form(
        world, theirs, comments=(OTHER_COMMENT, "", ""), overall=OTHER_OVERALL, action="submit"))
    db.session.refresh(theirs)
    assert theirs.status == "submitted"
    notify.new_assignments(world.round, now=now)
    db.session.commit()

    client = make_client(reviewer)
    seen = []
    url = f"/reviews/assignments/{assignment.id}"
    first = client.get(url)
    assert first.status_code == 302
    seen += _read("first opening", first)
    list_page = ""
    if world.round.is_blind:
        assert "/declare" in first.headers["Location"] and f"/rounds/{world.round.id}/" in first.headers["Location"]
        list_page = client.get(first.headers["Location"]).text
        answered = client.post(f"/reviews/rounds/{world.round.id}/declare?next_assignment={assignment.id}",
                               data={}, follow_redirects=True)
        seen += _read("round list sent", answered)
    page = client.get(f"{url}/declare")
    assert page.status_code == 200
    seen += _read("declaration page", page)
    answered = client.post(f"{url}/declare", data={"choice": "none"}, follow_redirects=True)
    assert answered.status_code == 200
    seen += _read("no conflict", answered)
    client.post(f"/reviews/assignments/{second_assignment.id}/declare", data={"choice": "none"})

    ids = {"assignment_id": assignment.id, "round_id": world.round.id, "application_id": application.id,
           "reviewer_id": reviewer.id, "org_id": world.challenge.organisation_id, "challenge_id": world.challenge.id,
           "criterion_id": world.round.criteria[0].id, "conflict_id": 2**31 - 7, "key": "review.decision.select"}
    attachment_ids = [a.id for a in application.attachments]
    walked, statuses = _walk_gets(app, client, ids, attachment_ids)
    seen += walked
    seen += _read("dashboard", client.get("/dashboard"))

    db.session.refresh(assignment)
    seen += _read("draft saved", client.post(url, data=review_form(world, assignment), follow_redirects=True))
    db.session.refresh(assignment)
    autosaved = client.post(f"{url}/autosave", data=review_form(world, assignment, values=("3", "na", "1")))
    assert autosaved.status_code == 200
    seen += _read("autosave", autosaved)
    db.session.refresh(assignment)
    refused = client.post(url, data=review_form(world, assignment, values=("", "", ""), action="submit"))
    assert refused.status_code == 422
    seen += _read("refused submit", refused)
    submitted = client.post(url, data=review_form(world, assignment, action="submit"), follow_redirects=True)
    db.session.refresh(assignment)
    assert assignment.status == "submitted"
    seen += _read("submitted", submitted)

    assert jobs.send_round_reminders(now=utcnow()) >= 1
    staff_client = make_client(staff)
    assert staff_client.post(f"/reviews/rounds/{world.round.id}/remind",
                             data={"reviewer_ids": str(reviewer.id)}).status_code == 302
    assert staff_client.post(f"{url}/reopen", data={"reason": "Please look again"}).status_code == 302
    db.session.refresh(assignment)
    assert assignment.status == "draft"
    seen += _read("reopened page", client.get(url))
    again, _ = _walk_gets(app, client, ids, attachment_ids)
    seen += again
    mails = db.session.scalars(sa.select(OutboxMessage).filter_by(recipient=reviewer.email)
                               .order_by(OutboxMessage.id)).all()
    seen += [("mail", f"{m.subject}\n{m.reply_to}\n{m.body_text}") for m in mails]
    return seen, statuses, list_page, mails


def _leaks(seen, strings) -> list[tuple[str, str]]:
    return [(what, s) for what, text in seen for s in strings if s.lower() in text.lower()]


def test_a_blind_round_names_nobody_on_any_route_file_or_mail_a_reviewer_reaches(
        app, make_review_world, org, staff, make_client):
    world = _make_world(make_review_world, org, staff, is_blind=True)
    seen, statuses, list_page, mails = _everything(app, world, make_client, staff)

    for endpoint in MUST_ANSWER_200:
        assert statuses[endpoint] and set(statuses[endpoint]) == {200}, (endpoint, statuses.get(endpoint))
    assert len(statuses["reviews.reviewer_attachment"]) == 2  # both files
    subjects = " | ".join(m.subject for m in mails)
    assert len(mails) >= 4 and "new review" in subjects and subjects.count("Reminder") >= 2, subjects
    assert any("draft again" in m.body_text or "reopen" in (m.subject + m.body_text).lower() for m in mails)
    assert any(what.endswith("PDF metadata") for what, _ in seen)

    assert _leaks(seen, SECRETS) == []
    assert _leaks(seen, (OTHER_OVERALL, OTHER_COMMENT)) == []

    # The list page shows the people (that is what reviewers declare against), but nothing that
    # ties one of them to an application: no school, no application number or id.
    assert TEAM in list_page and LEAD in list_page
    assert SCHOOL not in list_page and not re.search(r"Application \d", list_page)
    for application in world.applications:
        assert application.school_name not in list_page
        assert f"applications/{application.id}" not in list_page and "application_id" not in list_page
    ticks = re.findall(r'name="entry" value="([^"]*)"', list_page)
    assert len(ticks) >= 4 and all(not tick.isdigit() and len(tick) >= 16 for tick in ticks)


def test_the_same_walk_on_an_open_round_finds_the_team(app, make_review_world, org, staff, make_client):
    world = _make_world(make_review_world, org, staff, is_blind=False)
    seen, statuses, _, _ = _everything(app, world, make_client, staff)
    found = {s for _, s in _leaks(seen, SECRETS)}
    assert {TEAM, LEAD, MEMBER, SCHOOL} <= found
    assert any(TEAM in text for what, text in seen if what.endswith("headers") and "/attachments/" in what)
    assert any(LEAD in text for what, text in seen if what.endswith("PDF metadata") and "/attachments/" in what)
    # Still nobody else's comments, in an open round too; staff see them (the words are on the page).
    assert _leaks(seen, (OTHER_OVERALL, OTHER_COMMENT)) == []
    staff_page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/applications/{world.applications[0].id}")
    assert staff_page.status_code == 200 and OTHER_OVERALL in staff_page.text
