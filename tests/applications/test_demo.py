"""The demo seed: teams and applications on the demo challenge, safe to run twice."""
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.extensions import db


def test_the_demo_seed_makes_teams_in_each_state_and_can_run_twice(app):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Team.id))) == 8
    statuses = {a.team.name: a.status for a in db.session.scalars(db.select(Application))}
    # The incubation seeder (the last) selects three teams for its demo cohort, the lead's among them.
    assert statuses == {"Bayou Learning Lab": Status.selected, "Second Line Designers": Status.submitted,
                        "Crescent Studio": Status.selected, "Lakeview Transition Team": Status.submitted,
                        # eligible teams for the demo's review round to rank
                        "Treme Makers": Status.selected, "Gentilly Learning Collective": Status.eligible,
                        "Algiers Point Studio": Status.eligible, "Bywater Builders": Status.eligible}
    bayou = db.session.scalar(db.select(Team).filter_by(name="Bayou Learning Lab"))
    assert sorted(m.user.email for m in bayou.members) == ["lead@example.org", "member@example.org"]
    assert bayou.lead.email == "lead@example.org"
    assert all(a.pdf_sha256 for a in db.session.scalars(db.select(Application).filter_by(status=Status.submitted)))


def test_the_demo_has_a_school_transition_challenge_with_an_application_staff_can_read(app, make_client):
    from incubator.accounts.models import User
    from incubator.challenges.models import Track
    from incubator.core.demo import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["demo", "seed"])
    transition = db.session.scalar(db.select(Application).join(Application.challenge).where(
        Application.challenge.has(track=Track.school_transition)))
    assert transition.challenge.required_elements == [
        "learner_profiles", "personal_learning_paths", "competency_based_progression"]
    assert (transition.current_grades, transition.current_enrollment) == ("6-8", 410)
    assert transition.launch_year is None and transition.target_enrollment is None
    staff = db.session.scalar(db.select(User).filter_by(email="staff@example.org"))
    client = make_client()
    client.login(staff, password=DEMO_PASSWORD)
    page = client.get(f"/challenges/{transition.challenge_id}/applications/{transition.id}").text
    assert "Lakeview Middle School" in page and "Current enrollment" in page and "Transition year" in page


def test_the_demo_lead_sees_the_team_on_the_dashboard(app, make_client):
    app.test_cli_runner().invoke(args=["demo", "seed"])
    from incubator.core.demo import DEMO_PASSWORD
    from incubator.accounts.models import User

    lead = db.session.scalar(db.select(User).filter_by(email="lead@example.org"))
    client = make_client()
    client.login(lead, password=DEMO_PASSWORD)
    page = client.get("/dashboard").text
    # Selected for the demo's incubation cohort (incubation/demo.py), so past its draft.
    assert "Bayou Learning Lab" in page and "Your incubation" in page
