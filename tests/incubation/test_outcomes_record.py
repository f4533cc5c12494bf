"""Staff record a team's outcome at the end of its cohort: the form, the school record made once,
the mail to every member (or their digest), the audit trail, and hostile input."""
import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.digests import DigestItem, NoticeMode, NotificationSetting
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import outcomes
from incubator.incubation.models import CohortTeam, School
from incubator.incubation.states import IncubationOutcome, MilestoneStatus

THIS_YEAR = utcnow().year  # the organisation is in Chicago: the same year except around New Year's Eve


def url(place) -> str:
    return f"/incubation/teams/{place.id}/outcome"


def record(client, place, outcome="launch", year=None, rationale="Strong community support and a sound plan.",
           **extra):
    db.session.refresh(place)
    data = {"outcome": outcome, "opening_year": "" if year is None else str(year), "rationale": rationale,
            "version": str(place.version), "action": "record", **extra}
    return client.post(url(place), data=data)


def schools() -> list[School]:
    return list(db.session.scalars(sa.select(School).order_by(School.id)))


def test_the_page_shows_the_required_milestones_and_warns_before_a_launch(make_client, incubation):
    place = incubation.teams[0]
    page = make_client(incubation.staff).get(url(place))
    assert page.status_code == 200
    required = sum(1 for m in place.milestones if m.required_for_launch)
    assert f"0 of {required}" in page.text
    assert "You may still recommend it" in page.text
    assert "No outcome recorded yet" in page.text
    # Every required milestone approved: no warning.
    for milestone in place.milestones:
        milestone.status, milestone.submitted_at, milestone.approved_at = MilestoneStatus.approved, utcnow(), utcnow()
    db.session.commit()
    page = make_client(incubation.staff).get(url(place))
    assert f"{required} of {required}" in page.text and "You may still recommend it" not in page.text


def test_recommending_launch_records_the_outcome_and_makes_the_school_once(make_client, incubation):
    client = make_client(incubation.staff)
    place = incubation.teams[0]
    response = record(client, place, year=THIS_YEAR + 2)
    assert response.status_code == 302
    db.session.expire_all()
    place = db.session.get(CohortTeam, place.id)
    assert place.outcome == IncubationOutcome.launch and place.planned_opening_year == THIS_YEAR + 2
    assert place.outcome_by_id == incubation.staff.id and place.outcome_at is not None
    [school] = schools()
    assert (school.name, school.grades, school.target_enrollment) == (place.application.school_name, "K-5", 300)
    assert school.planned_opening_year == THIS_YEAR + 2 and school.team_id == place.team_id
    assert school.cohort_team_id == place.id and school.organisation_id == incubation.org.id
    page = client.get(url(place))
    assert "Recommended to launch" in page.text and f"/incubation/schools/{school.id}" in page.text
    assert "6 milestones required for launch are not approved yet" in page.text  # the flash: 6 of the 7 count

    # Recording it again moves the year; it never makes a second school.
    assert record(client, place, year=THIS_YEAR + 3, rationale="Opening a year later.").status_code == 302
    [again] = schools()
    assert again.id == school.id and again.planned_opening_year == THIS_YEAR + 3
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("incubation.%o%"))
                                      .where(AuditEvent.action.notlike("incubation.milestone%"))
                                      .where(AuditEvent.action != "incubation.cohort_created")
                                      .order_by(AuditEvent.id)))
    assert actions == ["incubation.outcome_recorded", "incubation.school_created",
                       "incubation.outcome_changed", "incubation.school_updated"]


def test_the_audit_trail_has_from_and_to(make_client, incubation):
    client = make_client(incubation.staff)
    place = incubation.teams[1]
    record(client, place, "continue_incubating", rationale="Needs another pilot.")
    record(client, place, "not_recommended", rationale="The pilot did not go ahead.")
    events = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("incubation.outcome%"))
                                     .order_by(AuditEvent.id)))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("incubation.outcome_recorded", None, "continue_incubating"),
        ("incubation.outcome_changed", "continue_incubating", "not_recommended")]
    assert events[0].object_type == "CohortTeam" and events[0].object_id == place.id
    from incubator.core.audit_words import known_actions

    assert {"incubation.outcome_recorded", "incubation.outcome_changed"} <= known_actions()


def test_the_same_outcome_again_changes_nothing(make_client, incubation, run_jobs, mailbox):
    client = make_client(incubation.staff)
    place = incubation.teams[0]
    record(client, place, "continue_incubating", rationale="Another pilot.")
    run_jobs(["mail"])
    sent = len(mailbox.messages)
    response = record(client, place, "continue_incubating", rationale="Another pilot.")
    assert response.status_code == 302
    assert "Nothing changed" in client.get(response.location).text
    run_jobs(["mail"])
    assert len(mailbox.messages) == sent
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.like("incubation.outcome%"))) == 1


def test_every_member_is_mailed_in_the_organisations_wording(make_client, incubation, run_jobs, mailbox):
    from incubator.core import mail_templates

    mail_templates.save(incubation.org, "incubation.outcome.launch", subject="Launch! {school} in {year}",
                        body="Dear {team}: {outcome}. Because: {rationale} See {link}", actor=incubation.staff)
    db.session.commit()
    place = incubation.teams[0]
    record(make_client(incubation.staff), place, year=THIS_YEAR + 1, rationale="Families asked for it.")
    run_jobs(["mail"])
    for email in (incubation.lead(0).email, incubation.member(0).email):
        message = mailbox.last(email)
        assert message["Subject"] == f"Launch! {place.application.school_name} in {THIS_YEAR + 1}"
        body = mailbox.body(message)
        assert "Recommended to launch" in body and "Families asked for it." in body
        assert f"/incubation/teams/{place.id}" in body
    # The other team hears nothing.
    assert mailbox.to(incubation.lead(1).email) == []


def test_the_default_wording_names_the_outcome(make_client, incubation, run_jobs, mailbox):
    record(make_client(incubation.staff), incubation.teams[1], "not_recommended", rationale="No building found.")
    run_jobs(["mail"])
    body = mailbox.body(mailbox.last(incubation.lead(1).email))
    assert "not recommended to launch" in body and "No building found." in body


def test_a_member_on_the_daily_digest_gets_a_digest_item_instead(make_client, incubation, run_jobs, mailbox):
    member = incubation.member(0)
    db.session.add(NotificationSetting(user_id=member.id, mode=NoticeMode.daily))
    db.session.commit()
    record(make_client(incubation.staff), incubation.teams[0], "continue_incubating", rationale="More pilots.")
    run_jobs(["mail"])
    assert mailbox.to(member.email) == []
    assert mailbox.to(incubation.lead(0).email)
    [item] = db.session.scalars(sa.select(DigestItem).where(DigestItem.user_id == member.id))
    assert item.kind == "incubation.outcome" and "More pilots." in item.body_text
    assert item.subject.endswith("your incubation continues")


def test_the_preview_shows_the_mail_and_saves_nothing(make_client, incubation):
    place = incubation.teams[0]
    db.session.refresh(place)
    response = make_client(incubation.staff).post(url(place), data={
        "outcome": "continue_incubating", "opening_year": "", "rationale": "A preview.",
        "version": str(place.version), "action": "preview"})
    assert response.status_code == 200 and "Preview of the email" in response.text and "A preview." in response.text
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome is None


def test_changing_away_from_launch_removes_the_school_after_confirming(make_client, incubation):
    client = make_client(incubation.staff)
    place = incubation.teams[0]
    record(client, place, year=THIS_YEAR + 1)
    [school] = schools()
    page = client.get(url(place))
    assert "removes it (nothing refers to it yet)" in page.text  # said before anything is confirmed
    refused = record(client, place, "continue_incubating", rationale="Second thoughts.")
    assert refused.status_code == 409 and "Check the box to confirm" in refused.text
    assert "Yes, remove the school record" in refused.text
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome == IncubationOutcome.launch and len(schools()) == 1
    done = record(client, place, "continue_incubating", rationale="Second thoughts.", confirm_remove_school="y")
    assert done.status_code == 302 and "school record was removed" in client.get(done.location).text
    assert schools() == []
    assert db.session.get(CohortTeam, place.id).planned_opening_year is None
    assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "incubation.school_removed")) \
        == {"school": school.name}
    # Launch again: a new school record.
    record(client, place, year=THIS_YEAR + 2)
    assert [s.planned_opening_year for s in schools()] == [THIS_YEAR + 2]


def test_a_school_something_refers_to_is_kept(make_client, incubation, monkeypatch):
    client = make_client(incubation.staff)
    place = incubation.teams[0]
    record(client, place, year=THIS_YEAR + 1)
    monkeypatch.setattr(outcomes, "references_to", lambda school: ["grant_tranches"])
    page = client.get(url(place))
    assert "it is kept whatever outcome you record" in page.text
    done = record(client, place, "not_recommended", rationale="Funding fell through.")
    assert done.status_code == 302 and "school record is kept" in client.get(done.location).text
    assert len(schools()) == 1


def test_references_to_finds_rows_of_any_table_pointing_at_the_school(make_client, incubation):
    record(make_client(incubation.staff), incubation.teams[0], year=THIS_YEAR + 1)
    [school] = schools()
    assert outcomes.references_to(school) == []


def test_a_stale_page_is_refused(make_client, incubation):
    client = make_client(incubation.staff)
    place = incubation.teams[0]
    db.session.refresh(place)
    stale = str(place.version)
    record(client, place, "continue_incubating", rationale="First.")
    response = client.post(url(place), data={"outcome": "not_recommended", "opening_year": "",
                                             "rationale": "Second.", "version": stale, "action": "record"})
    assert response.status_code == 409 and "Someone else changed" in response.text
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome == IncubationOutcome.continue_incubating


@pytest.mark.parametrize("outcome, year, rationale, message", [
    ("launch", "", "Good.", "needs one"),
    ("launch", "1999", "Good.", "Choose a year from"),
    ("launch", "2100", "Good.", "Choose a year from"),
    ("launch", "soon", "Good.", "Choose a year from"),
    ("launch", str(THIS_YEAR + 11), "Good.", "Choose a year from"),
    ("maybe", "", "Good.", "Not a valid choice"),
    ("", "", "Good.", "Choose one of the three outcomes"),
    ("continue_incubating", "", "", "Give the rationale"),
    ("continue_incubating", "", "   ", "Give the rationale"),
    ("continue_incubating", "", "x" * 5001, "at most 5,000 characters"),
    ("continue_incubating", "", "bad\x00byte", "not allowed"),
    ("continue_incubating", "", "bad\x07bell", "not allowed"),
    ("continue_incubating", "", "evil \u202eoverride", "direction overrides"),
])
def test_hostile_input_is_refused_and_changes_nothing(make_client, incubation, outcome, year, rationale, message):
    place = incubation.teams[0]
    db.session.refresh(place)
    response = make_client(incubation.staff).post(url(place), data={
        "outcome": outcome, "opening_year": year, "rationale": rationale, "version": str(place.version),
        "action": "record"})
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome is None and schools() == []


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999"])
def test_a_broken_version_is_refused(make_client, incubation, version):
    place = incubation.teams[0]
    response = make_client(incubation.staff).post(url(place), data={
        "outcome": "continue_incubating", "rationale": "Fine.", "version": version, "action": "record"})
    assert response.status_code == 422 and "The form is out of date" in response.text
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome is None


def test_the_longest_rationale_and_last_year_are_accepted(make_client, incubation):
    place = incubation.teams[0]
    assert record(make_client(incubation.staff), place, year=THIS_YEAR + 10, rationale="y" * 5000).status_code == 302
    db.session.expire_all()
    place = db.session.get(CohortTeam, place.id)
    assert len(place.outcome_rationale) == 5000 and place.planned_opening_year == THIS_YEAR + 10


def test_the_service_refuses_what_the_form_would(incubation):
    from incubator.core.errors import ValidationFailed

    place = incubation.teams[0]
    with pytest.raises(ValidationFailed, match="planned opening year"):
        outcomes.record_outcome(place, "launch", rationale="Fine.", opening_year=None, actor=incubation.staff,
                                now=utcnow(), expected_version=place.version)
    with pytest.raises(ValidationFailed, match="three outcomes"):
        outcomes.record_outcome(place, "maybe", rationale="Fine.", opening_year=None, actor=incubation.staff,
                                now=utcnow(), expected_version=place.version)
    db.session.rollback()


@pytest.mark.parametrize("who", ["coach", "member", "other_staff", "finance"])
def test_others_get_404_and_change_nothing(make_client, incubation, make_org, make_user, grant_role, who):
    from incubator.accounts.models import Role

    place = incubation.teams[0]
    user = {"coach": lambda: incubation.coach, "member": lambda: incubation.lead(0),
            "other_staff": lambda: grant_role(make_user("elsewhere@example.org"), make_org(), Role.program_staff),
            "finance": lambda: grant_role(make_user("money@example.org"), incubation.org, Role.finance)}[who]()
    client = make_client(user)
    assert client.get(url(place)).status_code == 404
    db.session.refresh(place)
    response = client.post(url(place), data={"outcome": "launch", "opening_year": str(THIS_YEAR + 1),
                                             "rationale": "Sneaky.", "version": str(place.version)})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome is None and schools() == []


def test_a_signed_out_visitor_gets_404_with_the_way_to_sign_in(make_client, incubation):
    # The portal's rule for pages about one object: 404 (its existence does not leak), offering sign-in.
    client = make_client()
    response = client.get(url(incubation.teams[0]))
    assert response.status_code == 404 and "/login" in response.text
    assert client.get("/incubation/teams/999999/outcome").status_code == 404


def test_line_breaks_from_a_browser_count_once(make_client, incubation):
    place = incubation.teams[0]
    rationale = ("a" * 99 + "\r\n") * 50  # 5,000 characters as the browser counts them, 5,050 as sent
    assert record(make_client(incubation.staff), place, "continue_incubating", rationale=rationale).status_code == 302
    db.session.expire_all()
    assert db.session.get(CohortTeam, place.id).outcome_rationale == rationale.replace("\r\n", "\n").strip()
