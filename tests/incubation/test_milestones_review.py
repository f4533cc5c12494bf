"""The review cycle: the team submits (refused, with every reason, until the evidence and logs are
there), staff approve or ask for changes with a comment, staff reopen with a reason; the team is
mailed each time in the organisation's wording (or gets it in the daily digest); approving sends
the domain event once per approval, and of two staff approving at once exactly one wins."""
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from incubator.core import mail_templates
from incubator.core.audit import AuditEvent
from incubator.core.digests import DigestItem, NotificationSetting
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import events, milestones
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import Milestone, MilestoneComment
from tests.incubation.milestones_support import (approved, fresh, hand_in_text, log_entries, log_sessions, status_of,
                                                 submitted)


@contextmanager
def approvals():
    """The approvals the event reports, as (milestone id, actor id, status in the transaction)."""
    seen = []

    def receiver(sender, *, milestone, actor):
        in_transaction = db.session.scalar(sa.select(Milestone.status).where(Milestone.id == milestone.id))
        seen.append((milestone.id, actor.id, in_transaction))

    with events.milestone_approved.connected_to(receiver):
        yield seen


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _post(client, milestone, what, **data):
    data.setdefault("version", fresh(milestone).version)
    return client.post(f"/incubation/milestones/{milestone.id}/{what}", data=data)


@pytest.fixture
def design(incubation):
    return incubation.milestone(0, "Design")


@pytest.fixture
def desk(incubation, make_client):
    """Program staff's browser."""
    return make_client(incubation.staff)


@pytest.fixture
def lead(incubation, make_client):
    return make_client(incubation.lead(0))


# ---- submitting -----------------------------------------------------------------------------------


def test_a_team_cannot_submit_without_evidence(design, lead):
    response = _post(lead, design, "submit")
    assert response.status_code == 409
    assert "Add at least one piece of evidence" in response.text
    assert status_of(design) == "pending" and _audits("incubation.milestone.submitted") == 0


def test_a_team_submits_its_evidence_for_review(incubation, design, lead):
    hand_in_text(design, incubation.member(0))
    response = _post(lead, design, "submit")
    assert response.status_code == 302
    milestone = fresh(design)
    assert milestone.status == "submitted" and milestone.submitted_at is not None
    assert milestone.version == 3  # one for the evidence, one for the submission
    assert milestone.last_activity == f"Submitted by {incubation.lead(0).display_name}"
    assert _audits("incubation.milestone.submitted") == 1
    page = lead.get(f"/incubation/milestones/{design.id}").text
    assert "Submitted. The program team will review it" in page and "Awaiting review" in page


def test_the_community_input_milestone_waits_for_every_required_group(incubation, lead):
    milestone, cohort_team = incubation.milestone(0, "Community"), incubation.teams[0]
    hand_in_text(milestone, incubation.member(0), body="What we changed: a later start.")
    log_entries(cohort_team, ["teachers", "parents", "community_members"])
    response = _post(lead, milestone, "submit")
    assert response.status_code == 409
    assert "no entry yet from students and school leaders" in response.text
    assert status_of(milestone) == "pending"
    log_entries(incubation.teams[1], ["students", "school_leaders"])  # another team's log does not count
    assert _post(lead, milestone, "submit").status_code == 409
    log_entries(cohort_team, ["students", "school_leaders"])
    assert _post(lead, milestone, "submit").status_code == 302
    assert status_of(milestone) == "submitted"


def test_every_missing_thing_is_named_at_once(incubation):
    milestone = incubation.milestone(0, "Community")
    with pytest.raises(milestones.NotReady) as refused:
        milestones.submit(milestone, actor=incubation.lead(0), now=utcnow())
    assert len(refused.value.reasons) == 2
    assert "evidence" in refused.value.reasons[0]
    assert "teachers, students, parents and school leaders:" in refused.value.reasons[1]


def test_the_coaching_milestone_waits_for_its_logged_sessions_not_for_other_evidence(incubation, lead):
    milestone, cohort_team = incubation.milestone(0, "Individual"), incubation.teams[0]
    log_sessions(cohort_team, incubation.coach, 5)
    log_sessions(incubation.teams[1], incubation.coach, 3)  # another team's sessions do not count
    response = _post(lead, milestone, "submit")
    assert response.status_code == 409 and "It needs 6 logged coaching sessions and 5 are logged so far" in response.text
    log_sessions(cohort_team, incubation.coach, 1)
    assert _post(lead, milestone, "submit").status_code == 302
    assert status_of(milestone) == "submitted"


def test_submitting_twice_is_refused_with_where_it_stands(incubation, design, lead):
    submitted(design, incubation.member(0))
    response = _post(lead, design, "submit")
    assert response.status_code == 409 and "submitted already and awaits review" in response.text
    assert _audits("incubation.milestone.submitted") == 1


@pytest.mark.parametrize("version", ["abc", "", "-1", "1.5", "9" * 30])
def test_a_hostile_version_is_refused_as_a_stale_page(incubation, design, lead, version):
    hand_in_text(design, incubation.member(0))
    response = _post(lead, design, "submit", version=version)
    assert response.status_code == 409 and "This page is out of date" in response.text
    assert status_of(design) == "pending"


def test_a_page_older_than_the_milestone_is_refused_with_the_changed_meanwhile_message(incubation, design, lead):
    hand_in_text(design, incubation.member(0))
    old_version = fresh(design).version
    db.session.execute(sa.update(Milestone).where(Milestone.id == design.id).values(version=Milestone.version + 1))
    db.session.commit()
    response = _post(lead, design, "submit", version=old_version)
    assert response.status_code == 409
    assert "Someone else changed this milestone a moment ago: it is now not submitted." in response.text
    assert status_of(design) == "pending"


def test_a_submission_from_a_page_older_than_the_evidence_is_refused(incubation, design, lead, make_client):
    """The lead's page was loaded; then a teammate removed the only evidence."""
    evidence = hand_in_text(design, incubation.member(0))
    page_version = fresh(design).version
    teammate = make_client(incubation.member(0))
    assert teammate.post(f"/incubation/milestones/{design.id}/evidence/{evidence.id}/delete").status_code == 302
    response = _post(lead, design, "submit", version=page_version)
    assert response.status_code == 409 and "Someone else changed this milestone a moment ago" in response.text
    assert status_of(design) == "pending"


def test_a_submission_racing_another_is_refused_by_the_compare_and_set(incubation, design):
    hand_in_text(design, incubation.member(0))
    with db.engine.begin() as other:  # the teammate's submission commits after this one loaded the row
        other.execute(sa.update(Milestone).where(Milestone.id == design.id)
                      .values(status="submitted", submitted_at=utcnow(), version=Milestone.version + 1))
    with pytest.raises(ChangedMeanwhile):
        milestones.submit(design, actor=incubation.lead(0), now=utcnow())
    db.session.rollback()
    assert _audits("incubation.milestone.submitted") == 0


# ---- deciding -------------------------------------------------------------------------------------


def test_staff_approve_and_every_member_is_mailed_and_the_event_fires_once(incubation, design, desk, run_jobs,
                                                                           mailbox):
    submitted(design, incubation.lead(0))
    with approvals() as seen:
        response = _post(desk, design, "decision", decision="approve", comment="Lovely work on the interviews.")
    assert response.status_code == 302
    milestone = fresh(design)
    assert milestone.status == "approved" and milestone.approved_at is not None
    assert milestone.decided_by_id == incubation.staff.id
    assert seen == [(design.id, incubation.staff.id, "approved")]
    note = db.session.scalar(sa.select(MilestoneComment))
    assert (note.to_status, note.body, note.author_id) == ("approved", "Lovely work on the interviews.",
                                                           incubation.staff.id)
    assert _audits("incubation.milestone.approved") == 1
    run_jobs()
    for person in (incubation.lead(0), incubation.member(0)):
        message = mailbox.last(person.email)
        assert message["Subject"] == f"{incubation.teams[0].team.name}: “Design-thinking training” is approved"
        body = mailbox.body(message)
        assert "Lovely work on the interviews." in body and f"/incubation/milestones/{design.id}" in body
    assert not mailbox.to(incubation.lead(1).email)  # the other team hears nothing


def test_approving_without_a_comment_is_fine_and_leaves_no_gap_in_the_mail(incubation, design, desk, run_jobs,
                                                                           mailbox):
    submitted(design, incubation.lead(0))
    assert _post(desk, design, "decision", decision="approve", comment="").status_code == 302
    run_jobs()
    body = mailbox.body(mailbox.last(incubation.lead(0).email)).replace("\r\n", "\n")
    assert "Well done.\n\nYou can see the milestone" in body


def test_the_mail_uses_the_organisations_wording(incubation, design, desk, run_jobs, mailbox):
    mail_templates.save(incubation.org, "incubation.milestone.changes_requested", actor=incubation.staff,
                        subject="Please revisit {milestone}", body="Dear {team} of {school}: {comment} See {link}")
    db.session.commit()
    submitted(design, incubation.lead(0))
    assert _post(desk, design, "decision", decision="request_changes",
                 comment="Add the attendance list.").status_code == 302
    run_jobs()
    message = mailbox.last(incubation.member(0).email)
    assert message["Subject"] == "Please revisit Design-thinking training"
    body = mailbox.body(message)
    assert body.startswith(f"Dear {incubation.teams[0].team.name} of {incubation.teams[0].school_name}: "
                           "Add the attendance list. See http")


def test_the_milestone_mails_are_on_the_organisations_mail_template_page(incubation, desk):
    page = desk.get(f"/organisations/{incubation.org.id}/mail-templates").text
    for label in ("Incubation: milestone approved", "Incubation: milestone: changes requested",
                  "Incubation: milestone reopened"):
        assert label in page


def test_a_member_in_daily_digest_mode_gets_no_mail_now_but_a_kept_notice(incubation, design, desk, run_jobs,
                                                                          mailbox):
    db.session.add(NotificationSetting(user_id=incubation.member(0).id, mode="daily"))
    db.session.commit()
    submitted(design, incubation.lead(0))
    assert _post(desk, design, "decision", decision="approve").status_code == 302
    run_jobs()
    assert mailbox.to(incubation.member(0).email) == []
    assert mailbox.to(incubation.lead(0).email)
    item = db.session.scalar(sa.select(DigestItem))
    assert (item.user_id, item.kind, item.sent_at) == (incubation.member(0).id, "incubation.milestone.approved", None)
    assert "approved" in item.subject and "Design-thinking training" in item.body_text


def test_asking_for_changes_needs_a_comment(incubation, design, desk):
    submitted(design, incubation.lead(0))
    response = _post(desk, design, "decision", decision="request_changes", comment="  ")
    assert response.status_code == 422 and "Say what the team should change" in response.text
    assert status_of(design) == "submitted"


@pytest.mark.parametrize("data, says", [
    ({"decision": "request_changes", "comment": "x" * 5001}, "at most 5,000 characters"),
    ({"decision": "request_changes", "comment": "Fix\x00this"}, "not allowed"),
    ({"decision": "ineligible", "comment": "Sneaky"}, "Not a valid choice"),
    ({"decision": "", "comment": "None"}, "Choose to approve or to ask for changes"),
    ({"decision": "approve", "comment": "Fine", "version": "1 OR 1=1"}, "This page is out of date"),
])
def test_a_hostile_decision_is_refused_and_nothing_moves(incubation, design, desk, data, says):
    submitted(design, incubation.lead(0))
    with approvals() as seen:
        response = _post(desk, design, "decision", **data)
    assert response.status_code == 422 and says in response.text
    assert status_of(design) == "submitted" and seen == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MilestoneComment)) == 0


def test_a_comment_of_5000_characters_is_taken(incubation, design, desk):
    submitted(design, incubation.lead(0))
    assert _post(desk, design, "decision", decision="request_changes", comment="y" * 5000).status_code == 302
    assert status_of(design) == "changes_requested"


def test_deciding_a_milestone_not_submitted_is_refused(incubation, design, desk):
    with approvals() as seen:
        response = _post(desk, design, "decision", decision="approve")
    assert response.status_code == 409 and "has not submitted this milestone yet" in response.text
    assert status_of(design) == "pending" and seen == []


def test_changes_requested_then_resubmitted_then_approved(incubation, design, desk, lead, run_jobs, mailbox):
    submitted(design, incubation.lead(0))
    assert _post(desk, design, "decision", decision="request_changes", comment="Add the list.").status_code == 302
    assert status_of(design) == "changes_requested"
    assert _post(desk, design, "decision", decision="approve").status_code == 409  # the team's turn now
    hand_in_text(design, incubation.member(0), body="The attendance list.")
    assert _post(lead, design, "submit").status_code == 302
    assert _audits("incubation.milestone.resubmitted") == 1
    assert fresh(design).last_activity == f"Submitted again by {incubation.lead(0).display_name}"
    with approvals() as seen:
        assert _post(desk, design, "decision", decision="approve").status_code == 302
    assert len(seen) == 1 and status_of(design) == "approved"
    run_jobs()
    subjects = [m["Subject"] for m in mailbox.to(incubation.lead(0).email)]
    assert len(subjects) == 2 and "changes requested" in subjects[0] and "is approved" in subjects[1]


def test_a_decision_from_a_stale_page_is_refused_with_what_happened(incubation, design, make_client, run_jobs,
                                                                     mailbox):
    """Two staff open the page; the first approves; the second's approval is refused, and says why."""
    submitted(design, incubation.lead(0))
    version = fresh(design).version
    first, second = make_client(incubation.staff), make_client(incubation.staff)
    with approvals() as seen:
        assert _post(first, design, "decision", decision="approve", version=version).status_code == 302
        response = _post(second, design, "decision", decision="request_changes", comment="Hmm", version=version)
    assert response.status_code == 409
    assert (f"it is now approved ({incubation.staff.display_name} decided it). Nothing was saved from your form"
            in response.text)
    assert len(seen) == 1 and status_of(design) == "approved"
    assert _audits("incubation.milestone.approved") == 1 and _audits("incubation.milestone.changes_requested") == 0
    run_jobs()
    assert len(mailbox.to(incubation.lead(0).email)) == 1


def test_two_approvals_racing_in_the_database_fire_the_event_once(incubation, design):
    submitted(design, incubation.lead(0))
    with db.engine.begin() as other:  # the other staff member's approval commits after this one loaded the row
        other.execute(sa.update(Milestone).where(Milestone.id == design.id)
                      .values(status="approved", approved_at=utcnow(), version=Milestone.version + 1))
    with approvals() as seen, pytest.raises(ChangedMeanwhile):
        milestones.decide(design, "approve", "", actor=incubation.staff, now=utcnow())
    db.session.rollback()
    assert seen == [] and _audits("incubation.milestone.approved") == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MilestoneComment)) == 0


def test_two_staff_approving_at_the_same_moment_one_wins(app, incubation, design, make_user, grant_role):
    """Two threads, each its own session, both load the submitted milestone, then both approve."""
    from incubator.accounts.models import Role, User

    submitted(design, incubation.lead(0))
    other = grant_role(make_user("staff2@example.org", name="Sky Staff"), incubation.org, Role.program_staff)
    people, barrier, results = [incubation.staff.id, other.id], threading.Barrier(2), {}

    def approve(user_id):
        with app.app_context():
            milestone, actor = db.session.get(Milestone, design.id), db.session.get(User, user_id)
            barrier.wait(timeout=10)
            try:
                milestones.decide(milestone, "approve", "", actor=actor, now=utcnow())
                db.session.commit()
                results[user_id] = "won"
            except ChangedMeanwhile:
                db.session.rollback()
                results[user_id] = "refused"
            finally:
                db.session.remove()

    with approvals() as seen:
        threads = [threading.Thread(target=approve, args=(user_id,)) for user_id in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(results.values()) == ["refused", "won"]
    assert len(seen) == 1 and _audits("incubation.milestone.approved") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MilestoneComment)) == 1


# ---- reopening ------------------------------------------------------------------------------------


def test_staff_reopen_an_approval_with_a_reason_and_the_team_is_told(incubation, design, desk, run_jobs, mailbox):
    approved(design, incubation.lead(0), incubation.staff)
    run_jobs()
    mailbox.messages.clear()
    response = _post(desk, design, "reopen", reason="The recording link is broken.", confirm="y")
    assert response.status_code == 302
    milestone = fresh(design)
    assert milestone.status == "submitted" and milestone.approved_at is None
    assert _audits("incubation.milestone.reopened") == 1
    note = db.session.scalars(sa.select(MilestoneComment).order_by(MilestoneComment.id.desc())).first()
    assert (note.to_status, note.body) == ("submitted", "The recording link is broken.")
    run_jobs()
    for person in (incubation.lead(0), incubation.member(0)):
        message = mailbox.last(person.email)
        assert "was reopened" in message["Subject"] and "The recording link is broken." in mailbox.body(message)


def test_a_reopened_then_reapproved_milestone_fires_the_event_a_second_time(incubation, design):
    with approvals() as seen:
        approved(design, incubation.lead(0), incubation.staff)
        milestones.reopen(design, "Checking the budget again.", actor=incubation.staff, now=utcnow())
        db.session.commit()
        milestones.decide(design, "approve", "Fine after all.", actor=incubation.staff, now=utcnow())
        db.session.commit()
    assert [s[0] for s in seen] == [design.id, design.id]
    assert _audits("incubation.milestone.approved") == 2


@pytest.mark.parametrize("data, says", [
    ({"reason": "", "confirm": "y"}, "Give the reason for reopening"),
    ({"reason": "A reason"}, "Check the box to confirm"),
    ({"reason": "r" * 5001, "confirm": "y"}, "at most 5,000 characters"),
    ({"reason": "Bidi \u202e trick", "confirm": "y"}, "not allowed"),
])
def test_a_reopening_needs_a_reason_and_a_confirmation(incubation, design, desk, data, says):
    approved(design, incubation.lead(0), incubation.staff)
    response = _post(desk, design, "reopen", **data)
    assert response.status_code == 422 and says in response.text
    assert status_of(design) == "approved" and _audits("incubation.milestone.reopened") == 0


def test_only_an_approved_milestone_can_be_reopened(incubation, design, desk):
    submitted(design, incubation.lead(0))
    response = _post(desk, design, "reopen", reason="Why not", confirm="y")
    assert response.status_code == 409 and "Only an approved milestone can be reopened." in response.text
    assert status_of(design) == "submitted"


def test_the_services_refuse_people_who_are_not_staff(incubation, design):
    from incubator.core.errors import NotAllowed

    submitted(design, incubation.lead(0))
    for person in (incubation.lead(0), incubation.coach):
        with pytest.raises(NotAllowed):
            milestones.decide(design, "approve", "", actor=person, now=utcnow())
    with pytest.raises(NotAllowed):
        milestones.submit(incubation.milestone(0, "Prototype"), actor=incubation.coach, now=utcnow())
    db.session.rollback()
    assert status_of(design) == "submitted"
