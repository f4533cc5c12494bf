"""A milestone's page: what the team, the cohort's coaches and staff each see (due date, overdue,
status, evidence shown safely, the stakeholder coverage, the coaching count, the conversation and
history), and that everyone else gets 404 on every milestone URL."""
import pytest

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import milestone_evidence
from incubator.incubation.models import Evidence
from tests.incubation.milestones_support import (PDF, approved, hand_in_text, log_entries, log_sessions, submitted,
                                                 upload)


def _urls(milestone, evidence):
    base = f"/incubation/milestones/{milestone.id}"
    return [("GET", base), ("POST", f"{base}/evidence/text"), ("POST", f"{base}/evidence/link"),
            ("POST", f"{base}/evidence/file"), ("GET", f"{base}/evidence/{evidence.id}"),
            ("POST", f"{base}/evidence/{evidence.id}/delete"), ("POST", f"{base}/submit"),
            ("POST", f"{base}/decision"), ("POST", f"{base}/reopen")]


HOSTILE = {"body": "Hijacked", "text_label": "X", "url": "https://example.org", "link_label": "X", "version": "1",
           "decision": "approve", "comment": "ok", "reason": "because", "confirm": "y"}


def test_the_team_sees_what_the_milestone_asks_when_it_is_due_and_that_it_is_overdue(incubation, make_client):
    milestone = incubation.milestone(0, "Design")  # due 21 days after a start 30 days ago
    page = make_client(incubation.member(0)).get(f"/incubation/milestones/{milestone.id}")
    assert page.status_code == 200
    assert "Design-thinking training" in page.text and "empathy interviews" in page.text
    assert milestone.due_on.strftime("%A %-d %B %Y") in page.text and "America/Chicago" in page.text
    assert "Overdue" in page.text and "Not submitted" in page.text
    assert f'href="/incubation/teams/{incubation.teams[0].id}"' in page.text
    assert f'href="/incubation/cohorts/{incubation.cohort.id}"' not in page.text  # the grid is for staff
    assert "Add a text" in page.text and "Upload a file" in page.text
    assert "Before you can submit" in page.text and "at least one piece of evidence" in page.text


def test_a_milestone_not_due_yet_is_not_overdue(incubation, make_client):
    milestone = incubation.milestone(0, "Community")  # due 60 days after the start
    page = make_client(incubation.lead(0)).get(f"/incubation/milestones/{milestone.id}")
    assert "Overdue" not in page.text and "overdue" not in page.text


def test_evidence_is_shown_safely_links_carry_no_opener_and_files_are_downloads(incubation, make_client):
    milestone, member = incubation.milestone(0, "Design"), incubation.member(0)
    client = make_client(member)
    hand_in_text(milestone, member, body="<script>alert('x')</script> **not markdown**")
    milestone_evidence.add_link(milestone, "https://example.org/pilot?a=1&b=\"2\"", "Pilot <b>recording</b>",
                                actor=member, now=utcnow())
    db.session.commit()
    assert upload(client, milestone, PDF, "plan.pdf").status_code == 302
    page = client.get(f"/incubation/milestones/{milestone.id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert 'href="https://example.org/pilot?a=1&amp;b=&#34;2&#34;" rel="noopener nofollow noreferrer"' in page
    assert "Pilot &lt;b&gt;recording&lt;/b&gt;" in page
    file_id = db.session.scalar(db.select(Evidence.id).filter_by(kind="file"))
    assert f'href="/incubation/milestones/{milestone.id}/evidence/{file_id}" download>plan.pdf</a>' in page
    assert f"Added by {member.display_name}" in page


def test_a_coach_of_the_cohort_reads_the_page_but_hands_in_nothing(incubation, make_client):
    milestone = incubation.milestone(0, "Design")
    hand_in_text(milestone, incubation.member(0))
    page = make_client(incubation.coach).get(f"/incubation/milestones/{milestone.id}")
    assert page.status_code == 200 and "Our team attended all four training days." in page.text
    assert "Add a text" not in page.text and "Submit for review" not in page.text
    assert "Your decision" not in page.text and "Remove" not in page.text


def test_staff_see_the_decision_form_once_it_is_submitted_and_a_link_to_the_grid(incubation, make_client):
    milestone = incubation.milestone(0, "Design")
    client = make_client(incubation.staff)
    before = client.get(f"/incubation/milestones/{milestone.id}").text
    assert "Your decision" not in before and "Add a text" not in before
    assert f'href="/incubation/cohorts/{incubation.cohort.id}"' in before
    submitted(milestone, incubation.lead(0))
    after = client.get(f"/incubation/milestones/{milestone.id}").text
    assert "Your decision" in after and "Awaiting review" in after and "Overdue" not in after
    assert f'name="version" type="hidden" value="{milestone.version}"' in after


def test_the_community_input_page_names_the_missing_groups_and_links_the_log(incubation, make_client):
    milestone, cohort_team = incubation.milestone(0, "Community"), incubation.teams[0]
    log_entries(cohort_team, ["parents", "community_members"])
    page = make_client(incubation.member(0)).get(f"/incubation/milestones/{milestone.id}").text
    assert "needs at least one entry from:" in page
    assert "<strong>teachers</strong>, <strong>students</strong> and <strong>school leaders</strong>." in page
    assert f'href="/incubation/teams/{cohort_team.id}/stakeholders"' in page
    assert "no entry yet from teachers, students and school leaders" in page  # what submitting still needs


def test_the_coaching_page_counts_the_sessions_logged_against_those_needed(incubation, make_client):
    milestone, cohort_team = incubation.milestone(0, "Individual"), incubation.teams[0]
    log_sessions(cohort_team, incubation.coach, 2)
    page = make_client(incubation.lead(0)).get(f"/incubation/milestones/{milestone.id}").text
    assert "<strong>2 of 6</strong> coaching sessions logged" in page
    assert f'href="/incubation/teams/{cohort_team.id}/coaching"' in page
    assert "It needs 6 logged coaching sessions and 2 are logged so far" in page


def test_the_conversation_and_history_show_each_decision(incubation, make_client):
    from incubator.incubation import milestones

    milestone, lead = incubation.milestone(0, "Design"), incubation.lead(0)
    submitted(milestone, lead)
    milestones.decide(milestone, "request_changes", "Add the attendance list.", actor=incubation.staff, now=utcnow())
    db.session.commit()
    page = make_client(lead).get(f"/incubation/milestones/{milestone.id}").text
    assert "Sam Staff</strong>\n      asked for changes" in page and "Add the attendance list." in page
    assert f"{lead.display_name} submitted the milestone" in page
    assert "Sam Staff asked for changes" in page and f"{lead.display_name} added the text “Training”" in page
    assert "Submit it again" in page
    assert page.index("Add the attendance list.") < page.index("Evidence handed in")  # what to change, first


def test_an_approved_milestone_offers_staff_the_reopening_and_the_team_nothing_to_change(incubation, make_client):
    milestone = approved(incubation.milestone(0, "Design"), incubation.lead(0), incubation.staff)
    staff_page = make_client(incubation.staff).get(f"/incubation/milestones/{milestone.id}").text
    assert "Reopen the approval" in staff_page and "I understand that this takes back the approval" in staff_page
    team_page = make_client(incubation.lead(0)).get(f"/incubation/milestones/{milestone.id}").text
    assert "Reopen" not in team_page and "Add a text" not in team_page
    assert "The milestone is approved: its evidence is kept as it is." in team_page


@pytest.fixture
def strangers(incubation, make_incubation_world, make_org, make_user, grant_role, org):
    other_cohort = make_incubation_world(org, incubation.staff, teams=1)  # same organisation, another cohort
    other_org = make_org("CityBridge", slug="citybridge", timezone="America/New_York")
    other_staff = grant_role(make_user("staff@citybridge.org", name="Cy Bridge"), other_org, Role.program_staff)
    return {"coach of another cohort": other_cohort.coach, "member of another team": incubation.member(1),
            "lead of another team": incubation.lead(1), "staff of another organisation": other_staff,
            "someone with no role": make_user("nobody@example.org")}


def test_everyone_else_gets_404_on_every_milestone_url_and_changes_nothing(incubation, make_client, strangers):
    milestone, member = incubation.milestone(0, "Design"), incubation.member(0)
    evidence = hand_in_text(milestone, member)
    version, activity = milestone.version, milestone.last_activity_at
    for who, user in strangers.items():
        client = make_client(user)
        for method, url in _urls(milestone, evidence):
            response = client.open(url, method=method, data=HOSTILE if method == "POST" else None)
            assert response.status_code == 404, f"{who}: {method} {url} answered {response.status_code}"
    db.session.expire_all()
    assert (milestone.version, milestone.last_activity_at, len(milestone.evidence)) == (version, activity, 1)


def test_a_signed_out_visitor_learns_nothing_and_is_offered_to_sign_in(incubation, make_client):
    """The portal's rule for pages about one object: 404 (as for anyone who may not see it), and the
    404 page offers to sign in and come back."""
    milestone = incubation.milestone(0, "Design")
    evidence = hand_in_text(milestone, incubation.member(0))
    visitor = make_client()
    for method, url in _urls(milestone, evidence):
        response = visitor.open(url, method=method, data=HOSTILE if method == "POST" else None)
        assert response.status_code == 404, f"{method} {url}"
    page = visitor.get(f"/incubation/milestones/{milestone.id}")
    assert f'href="/login?next=/incubation/milestones/{milestone.id}"' in page.text
    db.session.expire_all()
    assert len(milestone.evidence) == 1 and milestone.status == "pending"


def test_team_only_and_staff_only_posts_are_404_for_the_other_side(incubation, make_client):
    milestone = submitted(incubation.milestone(0, "Design"), incubation.lead(0))
    base = f"/incubation/milestones/{milestone.id}"
    for user in (incubation.staff, incubation.coach):  # they see the page, but do not hand in
        client = make_client(user)
        assert client.post(f"{base}/evidence/text", data={"body": "From staff"}).status_code == 404
        assert client.post(f"{base}/submit", data={"version": milestone.version}).status_code == 404
    coach = make_client(incubation.coach)
    assert coach.post(f"{base}/decision", data={"decision": "approve", "version": milestone.version}).status_code == 404
    member = make_client(incubation.member(0))
    assert member.post(f"{base}/decision", data={"decision": "approve", "version": milestone.version}).status_code == 404
    assert member.post(f"{base}/reopen", data={"reason": "x", "confirm": "y",
                                               "version": milestone.version}).status_code == 404
    db.session.expire_all()
    assert milestone.status == "submitted" and len(milestone.evidence) == 1


def test_the_page_costs_the_same_statements_with_more_evidence_and_comments(incubation, make_client,
                                                                             count_statements):
    milestone, member = incubation.milestone(0, "Design"), incubation.member(0)
    client = make_client(incubation.staff)
    hand_in_text(milestone, member)
    url = f"/incubation/milestones/{milestone.id}"
    client.get(url)
    few = count_statements(lambda: client.get(url))
    for n in range(8):
        hand_in_text(milestone, incubation.lead(0) if n % 2 else member, body=f"Note {n}")
    many = count_statements(lambda: client.get(url))
    assert many <= few


def test_the_audit_trail_reads_the_evidence_changes(incubation, make_client, admin):
    milestone, member = incubation.milestone(0, "Design"), incubation.member(0)
    evidence = hand_in_text(milestone, member)
    milestone_evidence.remove(evidence, actor=member, now=utcnow())
    db.session.commit()
    trail = make_client(admin).get("/admin/audit", query_string={"action": "incubation.evidence"}).text
    assert f"{member.display_name}</a> added the text “Training” to" in trail
    assert f"{member.display_name}</a> removed the text “Training” from" in trail
    assert "recorded <code>" not in trail
