"""The cohort's milestones CSV, its report PDF made by a job, and the school page."""
import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from incubator.accounts.models import Role
from incubator.core.pdf import pdf_dir
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import export, outcomes, report_jobs
from incubator.incubation.models import CoachingSession, Evidence, School, StakeholderEntry
from incubator.incubation.states import EvidenceKind, InputMethod, MilestoneStatus, StakeholderGroup


def csv_lines(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def launch(world, index=0, year=None, rationale="A strong plan, and families asked for it."):
    place = world.teams[index]
    outcomes.record_outcome(place, "launch", rationale=rationale, opening_year=year or utcnow().year + 2,
                            actor=world.staff, now=utcnow(), expected_version=place.version)
    db.session.commit()
    return place


@pytest.fixture(autouse=True)
def _no_earlier_reports():
    """The test session's PDF folder outlives each test's database (whose ids start again)."""
    for path in pdf_dir().glob("cohort-report-*.pdf"):
        path.unlink()


def finished_pdf_jobs() -> int:
    from incubator.core.jobs import queue

    return queue("pdf").finished_job_registry.count


def report_files(cohort) -> list[str]:
    return sorted(p.name for p in pdf_dir().glob(f"cohort-report-{cohort.id}-*.pdf"))


# ---- the CSV ------------------------------------------------------------------------------------


def test_the_csv_has_every_milestone_with_the_outcome_columns(make_client, incubation):
    first, second = incubation.teams
    milestone = incubation.milestone(0, "Design")
    now = utcnow()
    milestone.status, milestone.submitted_at = MilestoneStatus.submitted, now
    milestone.last_activity, milestone.last_activity_at = "Evidence added", now
    db.session.add(Evidence(milestone=milestone, kind=EvidenceKind.text, body="Our notes"))
    db.session.add(Evidence(milestone=milestone, kind=EvidenceKind.link, url="https://example.org/deck"))
    late = incubation.milestone(1, "Design")
    late.due_on, late.due_at = (now - timedelta(days=3)).date(), now - timedelta(days=2)
    db.session.commit()
    launch(incubation, 0, year=utcnow().year + 1)

    response = make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/milestones.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="spring-cohort-') and "-milestones-" in disposition
    lines = csv_lines(response)
    assert lines[0] == export.HEADER
    assert lines[0][:6] == ["Cohort", "School", "Team", "Team status", "Position", "Milestone"]
    assert len(lines) == 1 + len(first.milestones) + len(second.milestones)
    rows = [dict(zip(lines[0], line)) for line in lines[1:]]
    design = next(r for r in rows if r["School"] == first.application.school_name and r["Milestone"] == milestone.title)
    assert design["Status"] == "Awaiting review" and design["Evidence"] == "2"
    assert design["Latest activity"] == "Evidence added" and design["Submitted at"][:4].isdigit()
    assert design["Required for launch"] in ("yes", "no") and design["Overdue"] == "no"
    assert design["Outcome"] == "Recommended to launch" and design["Planned opening year"] == str(utcnow().year + 1)
    assert design["Outcome rationale"].startswith("A strong plan")
    other = next(r for r in rows if r["School"] == second.application.school_name and r["Milestone"] == late.title)
    assert other["Overdue"] == "yes" and other["Due date"] == late.due_on.isoformat() and other["Outcome"] == ""
    # Team by team, each in its plan's order.
    schools = [r["School"] for r in rows]
    assert schools == sorted(schools, key=[first.application.school_name, second.application.school_name].index)


def test_a_formula_looking_school_name_is_made_harmless(make_client, incubation):
    place = incubation.teams[0]
    place.application.school_name = '=HYPERLINK("http://evil.example","click")'
    place.milestones[0].last_activity = "@SUM(A1:A9)"
    db.session.commit()
    lines = csv_lines(make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/milestones.csv"))
    row = next(line for line in lines[1:] if line[1].startswith("'="))
    assert row[1] == '\'=HYPERLINK("http://evil.example","click")'
    assert any(line[12] == "'@SUM(A1:A9)" for line in lines[1:])


def test_the_csv_of_a_cohort_without_milestones_is_just_the_header(make_client, incubation):
    for place in incubation.teams:
        place.milestones.clear()
    db.session.commit()
    lines = csv_lines(make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/milestones.csv"))
    assert lines == [export.HEADER]


def test_the_csv_reads_the_same_number_of_statements_for_more_teams(make_incubation_world, org, staff,
                                                                   count_statements):
    small, big = make_incubation_world(org, staff, teams=1), make_incubation_world(org, staff, teams=4)
    db.session.expire_all()
    few = count_statements(lambda: export.lines(small.cohort, now=utcnow()))
    db.session.expire_all()
    many = count_statements(lambda: export.lines(big.cohort, now=utcnow()))
    assert many == few and few <= 4


# ---- the report PDF -----------------------------------------------------------------------------


def test_the_report_is_made_by_a_job_once_and_holds_the_teams_and_outcomes(make_client, incubation, run_jobs):
    place = launch(incubation, 0, rationale="Families asked for it loudly.")
    db.session.add(StakeholderEntry(cohort_team=place, group=StakeholderGroup.parents, held_on=utcnow().date(),
                                    method=InputMethod.focus_group, participants=12, takeaways="Longer days"))
    db.session.add(CoachingSession(cohort_team=place, coach_id=incubation.coach.id, held_on=utcnow().date(),
                                   duration_minutes=90, topics="Budget"))
    db.session.commit()
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/report"
    pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.text and "data-refresh-after" in pending.text
    again = client.get(url)  # the page reloading itself does not queue the job again
    assert "being prepared" in again.text
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 1
    assert len(report_files(incubation.cohort)) == 1
    done = client.get(url)
    assert done.status_code == 200 and done.mimetype == "application/pdf"
    assert done.headers["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(done.data))
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for other in incubation.teams:
        assert other.team.name in text
    assert "Recommended to launch" in text and "Families asked for it loudly." in text
    assert f"{incubation.teams[1].team.name}): no outcome recorded yet" in text
    assert "1.5" in text  # coaching hours
    # Running the job once more makes nothing new.
    assert report_jobs.render_cohort_report(incubation.cohort.id, report_jobs.fingerprint(incubation.cohort)) \
        == "already made"
    assert len(report_files(incubation.cohort)) == 1


def test_a_change_to_the_cohort_needs_a_new_report(make_client, incubation, run_jobs):
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/report"
    client.get(url)
    run_jobs(["pdf"])
    assert client.get(url).mimetype == "application/pdf"
    launch(incubation, 1)
    changed = client.get(url)
    assert changed.mimetype == "text/html" and "being prepared" in changed.text
    run_jobs(["pdf"])
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(url).data)).pages)
    assert "Recommended to launch" in text
    assert len(report_files(incubation.cohort)) == 2


def test_asking_again_queues_it_again(make_client, incubation, run_jobs):
    client = make_client(incubation.staff)
    url = f"/incubation/cohorts/{incubation.cohort.id}/report"
    client.get(url)
    asked = client.post(url)
    assert asked.status_code == 302 and asked.location.endswith(url)
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 2  # two jobs, one file: the second found it made
    assert len(report_files(incubation.cohort)) == 1


def test_the_job_for_a_deleted_cohort_does_nothing(incubation):
    assert report_jobs.render_cohort_report(999_999, "0" * 16) == "nothing to do"


def test_the_report_of_hostile_names_still_renders(incubation):
    incubation.teams[0].application.school_name = "<b>Bold</b> & \x07 \u202e school \U0001F600"
    db.session.commit()
    content = report_jobs.report_bytes(incubation.cohort)
    assert content.startswith(b"%PDF")


# ---- who may see them ---------------------------------------------------------------------------


@pytest.fixture
def outsiders(incubation, make_org, make_user, grant_role, make_incubation_world):
    other_world = make_incubation_world(incubation.org)
    return {
        "coach": incubation.coach,
        "coach of another cohort": other_world.coach,
        "member": incubation.lead(0),
        "staff of another organisation": grant_role(make_user("away@example.org"), make_org(), Role.program_staff),
        "finance": grant_role(make_user("money@example.org"), incubation.org, Role.finance),
    }


@pytest.mark.parametrize("who", ["coach", "coach of another cohort", "member", "staff of another organisation",
                                 "finance"])
def test_others_get_404_on_the_csv_and_the_report(make_client, incubation, outsiders, run_jobs, who):
    client = make_client(outsiders[who])
    cohort_id = incubation.cohort.id
    for path in (f"/incubation/cohorts/{cohort_id}/milestones.csv", f"/incubation/cohorts/{cohort_id}/report"):
        assert client.get(path).status_code == 404
    assert client.post(f"/incubation/cohorts/{cohort_id}/report").status_code == 404
    run_jobs(["pdf"])
    assert finished_pdf_jobs() == 0 and report_files(incubation.cohort) == []


def test_a_signed_out_visitor_gets_404_on_the_csv_and_report(make_client, incubation):
    client = make_client()
    for path in (f"/incubation/cohorts/{incubation.cohort.id}/milestones.csv",
                 f"/incubation/cohorts/{incubation.cohort.id}/report"):
        response = client.get(path)
        assert response.status_code == 404 and "/login" in response.text


# ---- the school page ----------------------------------------------------------------------------


def test_staff_and_finance_read_the_school_record_and_where_it_came_from(make_client, incubation, finance):
    place = launch(incubation, 0, rationale="Ready to open.")
    school = db.session.scalar(sa.select(School))
    staff_page = make_client(incubation.staff).get(f"/incubation/schools/{school.id}")
    assert staff_page.status_code == 200
    for text in (school.name, "K-5", "300", str(school.planned_opening_year), incubation.cohort.name,
                 place.team.name, "Ready to open.", "Recommended to launch", "Change the outcome"):
        assert text in staff_page.text
    finance_page = make_client(finance).get(f"/incubation/schools/{school.id}")
    assert finance_page.status_code == 200 and "Ready to open." in finance_page.text
    assert "Change the outcome" not in finance_page.text  # finance reads; it does not manage
    assert f"/incubation/teams/{place.id}" not in finance_page.text  # a page finance would get 404 on


@pytest.mark.parametrize("who", ["coach", "member", "staff of another organisation"])
def test_others_get_404_on_the_school(make_client, incubation, outsiders, who):
    launch(incubation, 0)
    school = db.session.scalar(sa.select(School))
    assert make_client(outsiders[who]).get(f"/incubation/schools/{school.id}").status_code == 404
    assert make_client().get(f"/incubation/schools/{school.id}").status_code == 404


def test_the_launched_team_reports_for_its_school_on_the_sustainability_page(make_client, incubation):
    place = launch(incubation, 0)
    school = db.session.scalar(sa.select(School))
    assert school.source == "launch" and school.team_id == place.team_id
    member = make_client(incubation.member(0))
    assert member.get(f"/sustainability/schools/{school.id}").status_code == 200
    assert member.get(f"/sustainability/schools/{school.id}/years/1/report").status_code == 200
    assert make_client(incubation.member(1)).get(f"/sustainability/schools/{school.id}").status_code == 404


# ---- the cohort's outcomes at a glance ---------------------------------------------------------


def test_the_cohort_outcomes_page_lists_every_team(make_client, incubation):
    place = launch(incubation, 0, year=utcnow().year + 3)
    page = make_client(incubation.staff).get(f"/incubation/cohorts/{incubation.cohort.id}/outcomes")
    assert page.status_code == 200
    assert "Recommended to launch: 1." in page.text and "No outcome yet: 1." in page.text
    for team in (place, incubation.teams[1]):
        assert f"/incubation/teams/{team.id}/outcome" in page.text
    assert f"Recommended to launch ({utcnow().year + 3})" in page.text
    school = db.session.scalar(sa.select(School))
    assert f"/incubation/schools/{school.id}" in page.text
    assert incubation.applications[2].school_name not in page.text  # selected, but not in the cohort


@pytest.mark.parametrize("who", ["coach", "member", "staff of another organisation", "finance"])
def test_others_get_404_on_the_cohort_outcomes(make_client, incubation, outsiders, who):
    assert make_client(outsiders[who]).get(f"/incubation/cohorts/{incubation.cohort.id}/outcomes").status_code == 404


def test_the_organisations_mail_editor_lists_the_outcome_mails(make_client, incubation):
    page = make_client(incubation.staff).get(f"/organisations/{incubation.org.id}/mail-templates")
    assert page.status_code == 200
    for label in ("Incubation outcome: recommended to launch", "Incubation outcome: continue incubating",
                  "Incubation outcome: not recommended"):
        assert label in page.text
