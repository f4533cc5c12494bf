"""Taking an assessment through its pages: open, rate, complete, the team view, close, the staff
rating, growth and the PDF."""
import re

import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.readiness.models import AnswerSet, Assessment
from incubator.readiness.states import AnswerSetStatus, AssessmentStatus
from tests.readiness.conftest import open_assessment, rate


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.text)


def test_the_lead_opens_an_assessment_and_a_plain_member_cannot(make_client, setup):
    member = make_client(setup.members[0])
    response = member.post(f"/readiness/applications/{setup.application.id}/assessments", data={"label": "Intake"})
    assert response.status_code == 409 and "Only the team" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0
    assessment = open_assessment(make_client(setup.lead), setup.application)
    assert assessment.status == AssessmentStatus.open
    assert assessment.instrument_id == setup.instrument.id


def test_a_second_assessment_waits_until_the_first_is_closed(make_client, setup):
    lead = make_client(setup.lead)
    open_assessment(lead, setup.application)
    response = lead.post(f"/readiness/applications/{setup.application.id}/assessments", data={"label": "Month 3"})
    assert response.status_code == 409 and "still open" in response.text


def test_answers_are_private_until_complete_and_the_team_view_needs_two(make_client, setup):
    lead_client = make_client(setup.lead)
    assessment = open_assessment(lead_client, setup.application)
    first, second = (make_client(m) for m in setup.members)
    assert rate(first, assessment, lambda i, item: "3", action="save").status_code == 302
    page = _text(lead_client.get(f"/readiness/assessments/{assessment.id}"))
    assert "0 members of 3 completed" in page and "Team composite" in page and "appears once at least two" in page
    rate(first, assessment, lambda i, item: "3")
    page = _text(lead_client.get(f"/readiness/assessments/{assessment.id}"))
    assert "1 member of 3 completed" in page and "appears once at least two" in page
    rate(second, assessment, lambda i, item: "1" if i == 0 else "2")
    page = _text(lead_client.get(f"/readiness/assessments/{assessment.id}"))
    assert "appears once" not in page
    # The first domain: member scores 3 and (1+2+2)/3 = 1.67 -> composite 2.33, spread 1.33.
    first_domain = setup.instrument.domains[0].title
    assert re.search(re.escape(first_domain) + r"</th> <td class=\"num\">2\.33</td> <td class=\"num\">1\.33</td> "
                     r"<td class=\"num\">2</td>", page), page
    # Item one: 3 and 1, two levels apart: a disagreement.
    disagree = page.split('id="disagree"')[1].split('id="answers"')[0]
    assert setup.instrument.items[0].prompt in disagree and "Ratings from 1 Exploring to 3 Developing" in disagree
    assert setup.instrument.items[1].prompt not in disagree  # 3 and 2: one level apart


def test_completing_needs_every_item_rated_or_not_sure(make_client, setup):
    assessment = open_assessment(make_client(setup.lead), setup.application)
    member = make_client(setup.members[0])
    response = rate(member, assessment, lambda i, item: "" if i == 3 else "2")
    assert response.status_code == 422 and "Rate every item" in response.text
    assert db.session.scalar(sa.select(AnswerSet)) is None  # nothing half-saved
    response = rate(member, assessment, lambda i, item: "not_sure" if i == 3 else "2")
    assert response.status_code == 302
    answer_set = db.session.scalar(sa.select(AnswerSet))
    assert answer_set.status == AnswerSetStatus.completed
    assert sum(r.is_not_sure for r in answer_set.ratings) == 1


def test_a_member_changes_completed_answers_until_the_lead_closes(make_client, setup):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    member = make_client(setup.members[0])
    rate(member, assessment, lambda i, item: "2")
    rate(member, assessment, lambda i, item: "4")
    db.session.expire_all()
    assert set(db.session.scalar(sa.select(AnswerSet)).values().values()) == {4}
    rate(member, assessment, lambda i, item: "4", action="save")  # back to in progress: private again
    assert db.session.scalar(sa.select(AnswerSet)).status == AnswerSetStatus.in_progress
    rate(member, assessment, lambda i, item: "4")
    assert lead.post(f"/readiness/assessments/{assessment.id}/close").status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == AssessmentStatus.closed
    response = rate(member, assessment, lambda i, item: "1")
    assert response.status_code == 302 and "/rate" not in response.headers["Location"]
    db.session.expire_all()
    assert set(db.session.scalar(sa.select(AnswerSet)).values().values()) == {4}
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"readiness.assessment.opened", "readiness.answers.completed", "readiness.answers.reopened",
            "readiness.assessment.closed"} <= actions
    closed = db.session.scalar(sa.select(AuditEvent).filter_by(action="readiness.assessment.closed"))
    assert (closed.from_state, closed.to_state, closed.actor_id) == ("open", "closed", setup.lead.id)


def test_only_the_lead_closes_and_not_before_anyone_completed(make_client, setup):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    lead.post(f"/readiness/assessments/{assessment.id}/close")
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).is_open
    member = make_client(setup.members[0])
    rate(member, assessment, lambda i, item: "2")
    member.post(f"/readiness/assessments/{assessment.id}/close")
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).is_open


def test_staff_rate_the_team_beside_its_composite_and_see_names(make_client, setup, staff):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    for person in setup.members:
        rate(make_client(person), assessment, lambda i, item: "2")
    lead.post(f"/readiness/assessments/{assessment.id}/close")
    staff_client = make_client(staff)
    response = rate(staff_client, assessment, lambda i, item: "3", url="staff-rating")
    assert response.status_code == 302
    page = _text(staff_client.get(f"/readiness/assessments/{assessment.id}"))
    assert "Staff rating" in page and "+1.00" in page  # 3 against a composite of 2
    assert setup.members[0].name in page and "Member A" not in page
    team_page = _text(lead.get(f"/readiness/assessments/{assessment.id}"))
    assert "Member A" in team_page and setup.members[0].name not in team_page


def test_a_retake_shows_growth_as_a_chart_with_a_table(make_client, setup):
    lead = make_client(setup.lead)
    for label, value in (("Intake", "1"), ("Month 3", "3")):
        assessment = open_assessment(lead, setup.application, label)
        for person in setup.members:
            rate(make_client(person), assessment, lambda i, item, value=value: value)
        lead.post(f"/readiness/assessments/{assessment.id}/close")
    page = lead.get(f"/readiness/applications/{setup.application.id}").text
    svg = re.search(r"<svg[^>]*>", page).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>Team composite by domain over time</title>" in page
    assert "style=" not in page.split("<svg")[1].split("</svg>")[0]  # the CSP allows no inline style
    table = page.split("</svg>")[1]
    assert "<th scope=\"col\" class=\"num\">Intake</th>" in table and "1.00" in table and "3.00" in table


def test_the_pdf_is_made_by_a_job_when_the_lead_closes(make_client, setup, run_jobs, staff):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    for person in setup.members:
        rate(make_client(person), assessment, lambda i, item: str(1 + i % 4))
    response = lead.get(f"/readiness/assessments/{assessment.id}/pdf")
    assert response.status_code == 302  # nothing to download while open
    lead.post(f"/readiness/assessments/{assessment.id}/close")
    assert "being prepared" in lead.get(f"/readiness/assessments/{assessment.id}").text
    run_jobs(["pdf"])
    response = lead.get(f"/readiness/assessments/{assessment.id}/pdf")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    # A staff rating afterwards remakes it.
    rate(make_client(staff), assessment, lambda i, item: "3", url="staff-rating")
    assert lead.get(f"/readiness/assessments/{assessment.id}/pdf").status_code == 302
    run_jobs(["pdf"])
    assert make_client(staff).get(f"/readiness/assessments/{assessment.id}/pdf").status_code == 200
