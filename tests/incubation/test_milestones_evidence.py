"""Evidence: texts, links and files a team hands in while the milestone is theirs (content-checked
files, size limits, downloads never inline), removed with a confirmation, each change audited and
the milestone's latest activity; hostile input refused with nothing saved."""
import os

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import milestone_evidence
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import Evidence, Milestone
from tests.incubation.milestones_support import PDF, PNG, hand_in_text, stored_files, submitted, upload


def _count(model=Evidence, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _text(client, milestone, body, label=""):
    return client.post(f"/incubation/milestones/{milestone.id}/evidence/text", data={"body": body, "text_label": label})


def _link(client, milestone, url, label="Pilot recording"):
    return client.post(f"/incubation/milestones/{milestone.id}/evidence/link", data={"url": url, "link_label": label})


@pytest.fixture
def design(incubation):
    return incubation.milestone(0, "Design")


@pytest.fixture
def member(incubation, make_client):
    return make_client(incubation.member(0))


def test_a_member_adds_a_text_which_is_audited_and_becomes_the_latest_activity(incubation, design, member):
    response = _text(member, design, "We ran four empathy interviews.\r\nThen a workshop.", "Training notes")
    assert response.status_code == 302 and response.headers["Location"].endswith("#evidence")
    evidence = db.session.scalar(sa.select(Evidence))
    assert (evidence.kind, evidence.body, evidence.label) == ("text", "We ran four empathy interviews.\nThen a workshop.",
                                                              "Training notes")
    assert evidence.added_by_id == incubation.member(0).id
    db.session.expire_all()
    assert design.last_activity == f"Text added by {incubation.member(0).display_name}"
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="incubation.evidence_added"))
    assert (event.object_type, event.object_id, event.details["what"]) == ("Milestone", design.id,
                                                                           "the text “Training notes”")
    assert "Text added to the evidence." in member.get(f"/incubation/milestones/{design.id}").text


def test_a_text_of_10000_characters_is_taken_and_one_more_is_refused(design, member):
    assert _text(member, design, "x" * 10_000).status_code == 302
    response = _text(member, design, "y" * 10_001)
    assert response.status_code == 422 and "at most 10,000 characters" in response.text
    assert _count() == 1


@pytest.mark.parametrize("body", ["", "   \n  ", "nul\x00byte", "bell\x07", "right-to-left \u202eoverride"])
def test_an_empty_or_hostile_text_is_refused_and_nothing_is_saved(design, member, body):
    response = _text(member, design, body)
    assert response.status_code == 422
    assert "Write the text" in response.text or "not allowed" in response.text
    assert _count() == 0 and _count(AuditEvent, AuditEvent.action == "incubation.evidence_added") == 0


def test_a_title_with_a_line_break_is_refused(design, member):
    response = _text(member, design, "Fine text", "Two\nlines")
    assert response.status_code == 422 and "one line of plain text" in response.text
    assert _count() == 0


def test_a_web_link_is_added_with_its_label(design, member):
    assert _link(member, design, "https://docs.example.org/pilot-plan").status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert (evidence.kind, evidence.url, evidence.label) == ("link", "https://docs.example.org/pilot-plan",
                                                             "Pilot recording")


@pytest.mark.parametrize("url, says", [
    ("javascript:alert(document.cookie)", "must start with https://"),
    ("JaVaScRiPt:alert(1)", "must start with https://"),
    ("data:text/html,<script>alert(1)</script>", "must start with https://"),
    ("ftp://files.example.org/plan.pdf", "must start with https://"),
    ("//evil.example.org/x", "must start with https://"),
    ("https://", "needs a site name"),
    ("https://exa mple.org", "cannot contain spaces"),
    ("https://example.org/\x00", "cannot contain spaces or control characters"),
    ("https://example.org/" + "a" * 1990, "at most 2,000 characters"),
    ("https://[::1", "not a link a browser can open"),
])
def test_a_link_that_is_not_a_plain_web_link_is_refused(design, member, url, says):
    response = _link(member, design, url)
    assert response.status_code == 422
    assert says in response.text
    assert _count() == 0


def test_a_link_needs_a_label(design, member):
    response = _link(member, design, "https://example.org/plan", label="")
    assert response.status_code == 422 and "Say what the link is" in response.text
    assert _count() == 0


def test_the_service_refuses_a_bad_link_on_its_own(incubation, design):
    with pytest.raises(milestone_evidence.EvidenceRefused, match="https://"):
        milestone_evidence.add_link(design, "javascript:alert(1)", "X", actor=incubation.member(0), now=utcnow())
    db.session.rollback()
    assert _count() == 0


def test_a_file_is_stored_under_a_server_name_and_downloaded_as_an_attachment(app, incubation, design, member,
                                                                            make_client):
    assert upload(member, design, PDF, "pilot plan.pdf", "The plan").status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert (evidence.original_filename, evidence.content_type, evidence.label) == ("pilot plan.pdf",
                                                                                  "application/pdf", "The plan")
    assert evidence.stored_name in stored_files(app) and evidence.stored_name != "pilot plan.pdf"
    for reader in (member, make_client(incubation.coach), make_client(incubation.staff)):
        response = reader.get(f"/incubation/milestones/{design.id}/evidence/{evidence.id}")
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Type"].startswith("application/pdf")


@pytest.mark.parametrize("content, name, says, status", [
    (b"Dear program team, here is our plan.", "plan.pdf", "not a PDF, Word", 422),  # a text file renamed .pdf
    (b"MZ\x90\x00\x03" + b"\x00" * 100, "invoice.pdf", "not a PDF, Word", 422),
    (b"<svg onload=alert(1)>", "logo.png", "not a PDF, Word", 422),
    (b"", "empty.pdf", "That file is empty", 422),
    (PDF + b"0" * (20 * 1024 * 1024 + 1 - len(PDF)), "huge.pdf", "larger than 20 MB", 413),  # 20 MB + 1 byte
])
def test_a_file_that_is_not_accepted_is_refused_and_nothing_is_stored(app, design, member, content, name, says,
                                                                      status):
    before = stored_files(app)
    response = upload(member, design, content, name)
    assert response.status_code == status
    assert says in response.text
    assert _count() == 0 and stored_files(app) == before


def test_a_file_of_exactly_20_mb_is_taken(app, design, member):
    assert upload(member, design, PDF + b"0" * (20 * 1024 * 1024 - len(PDF)), "big.pdf").status_code == 302
    assert _count() == 1


def test_no_file_chosen_is_refused(design, member):
    response = member.post(f"/incubation/milestones/{design.id}/evidence/file", content_type="multipart/form-data",
                           data={"file_label": "Nothing"})
    assert response.status_code == 422 and "Choose a file to upload." in response.text


def test_a_milestone_holds_at_most_100_mb_of_files(app, incubation, design, member):
    design.evidence.append(Evidence(kind="file", original_filename="big.pdf", stored_name="y" * 40,
                                    content_type="application/pdf", size_bytes=100 * 1024 * 1024 - 10,
                                    sha256="0" * 64))
    db.session.commit()
    before = stored_files(app)
    response = upload(member, design, PDF, "one-more.pdf")
    assert response.status_code == 413 and "at most 100 MB" in response.text
    assert _count() == 1 and stored_files(app) == before
    # another milestone's files do not count
    assert upload(member, incubation.milestone(0, "Prototype"), PDF, "pilot.pdf").status_code == 302


def test_a_milestone_holds_at_most_50_pieces_of_evidence(incubation, design, member):
    for n in range(milestone_evidence.MAX_PIECES):
        design.evidence.append(Evidence(kind="text", body=f"Note {n}", added_by_id=incubation.member(0).id))
    db.session.commit()
    response = _text(member, design, "One more")
    assert response.status_code == 422 and "at most 50 pieces of evidence" in response.text
    assert _count() == 50


def test_evidence_of_another_milestone_in_the_url_is_404(incubation, design, member):
    evidence = hand_in_text(design, incubation.member(0))
    other = incubation.milestone(0, "Prototype")
    assert member.get(f"/incubation/milestones/{other.id}/evidence/{evidence.id}").status_code == 404
    assert member.post(f"/incubation/milestones/{other.id}/evidence/{evidence.id}/delete").status_code == 404
    assert _count() == 1


def test_a_text_or_link_has_no_file_to_download(incubation, design, member):
    evidence = hand_in_text(design, incubation.member(0))
    assert member.get(f"/incubation/milestones/{design.id}/evidence/{evidence.id}").status_code == 404


def test_a_member_removes_evidence_and_its_file_goes_once_that_commits(app, incubation, design, member):
    assert upload(member, design, PNG, "site.png").status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    stored = evidence.stored_name
    page = member.get(f"/incubation/milestones/{design.id}").text
    assert 'data-confirm="Remove this evidence? This cannot be undone."' in page
    response = member.post(f"/incubation/milestones/{design.id}/evidence/{evidence.id}/delete")
    assert response.status_code == 302
    assert _count() == 0 and stored not in stored_files(app)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="incubation.evidence_removed"))
    assert event.details["what"] == "the file site.png" and event.object_id == design.id
    assert "Removed the file site.png from the evidence." in member.get(f"/incubation/milestones/{design.id}").text


def test_a_lead_may_remove_what_a_teammate_added(incubation, design, make_client):
    evidence = hand_in_text(design, incubation.member(0))
    lead = make_client(incubation.lead(0))
    assert lead.post(f"/incubation/milestones/{design.id}/evidence/{evidence.id}/delete").status_code == 302
    assert _count() == 0


def test_nothing_changes_while_the_milestone_awaits_review(incubation, design, member):
    submitted(design, incubation.lead(0))
    evidence = db.session.scalar(sa.select(Evidence))
    response = _text(member, design, "A late addition")
    assert response.status_code == 409 and "This milestone is awaiting review" in response.text
    response = member.post(f"/incubation/milestones/{design.id}/evidence/{evidence.id}/delete")
    assert response.status_code == 409
    assert upload(member, design, PDF, "late.pdf").status_code == 409
    assert _count() == 1


def test_evidence_added_after_changes_are_requested(incubation, design, member):
    from incubator.incubation import milestones

    submitted(design, incubation.lead(0))
    milestones.decide(design, "request_changes", "Add the attendance list.", actor=incubation.staff, now=utcnow())
    db.session.commit()
    assert _link(member, design, "https://example.org/attendance", "Attendance").status_code == 302
    assert _count() == 2


def test_a_team_that_left_the_cohort_cannot_hand_in(incubation, design, member):
    team = incubation.teams[0]
    team.status, team.left_at, team.left_reason = "left", utcnow(), "Moved to another city"
    db.session.commit()
    response = _text(member, design, "Still here")
    assert response.status_code == 409 and "no longer in the cohort" in response.text
    assert _count() == 0


def test_a_submission_that_lands_meanwhile_wins_over_new_evidence(incubation, design):
    """The member loaded the milestone open; the teammate's submission commits first."""
    hand_in_text(design, incubation.lead(0))
    with db.engine.begin() as other:
        other.execute(sa.update(Milestone).where(Milestone.id == design.id)
                      .values(status="submitted", submitted_at=utcnow(), version=Milestone.version + 1))
    assert design.status == "pending"  # the stale object
    with pytest.raises(ChangedMeanwhile):
        milestone_evidence.add_text(design, "Too late", actor=incubation.member(0), now=utcnow())
    db.session.rollback()
    assert _count() == 1


def test_a_file_refused_after_it_was_written_leaves_nothing_on_disk(app, incubation, design):
    import io

    from incubator.core.uploads import UploadRefused

    before = stored_files(app)
    with pytest.raises(UploadRefused, match="not a PDF"):
        milestone_evidence.add_file(design, io.BytesIO(b"plain text"), "notes.pdf", actor=incubation.member(0),
                                    now=utcnow())
    db.session.rollback()
    assert stored_files(app) == before and os.path.isdir(os.path.join(app.config["UPLOAD_DIR"], "evidence"))
