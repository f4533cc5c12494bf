"""The coaching log: the cohort's coaches log sessions, the team is told and replies, the
session's coach is told of the team's replies."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.models import TeamMember
from incubator.core.audit import AuditEvent
from incubator.core.digests import DigestItem, NoticeMode, NotificationSetting
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import coaching
from incubator.incubation.log_forms import parse_duration
from incubator.incubation.models import CoachingReply, CoachingSession, CohortCoach
from incubator.incubation.states import CohortTeamStatus, MilestoneKind


def today(world):
    return local(utcnow(), world.org.timezone).date()


def session_form(world, **overrides):
    values = {"held_on": (today(world) - timedelta(days=2)).isoformat(), "duration": "1:30",
              "topics": "Budget assumptions and the enrollment ramp.", "next_steps": "Revise year two by Friday."}
    values.update(overrides)
    return values


def url(cohort_team, suffix=""):
    return f"/incubation/teams/{cohort_team.id}/coaching{suffix}"


def log(world, index=0, coach=None, **values):
    defaults = dict(held_on=today(world) - timedelta(days=1), duration_minutes=60, topics="Hiring plan",
                    next_steps="")
    defaults.update(values)
    made = coaching.log_session(world.teams[index], coach=coach or world.coach, now=utcnow(), **defaults)
    db.session.commit()
    return made


def sessions_of(cohort_team):
    return db.session.scalars(sa.select(CoachingSession).filter_by(cohort_team_id=cohort_team.id)).all()


def actions(action):
    return db.session.scalars(sa.select(AuditEvent).filter_by(action=action)).all()


def coaching_milestone(world, index=0):
    milestone = next(m for m in world.teams[index].milestones if m.kind == MilestoneKind.coaching)
    db.session.refresh(milestone)
    return milestone


def second_coach(world, make_user, grant_role):
    from incubator.accounts.models import Role

    other = grant_role(make_user("casey@example.org", name="Casey Coach"), world.org, Role.coach)
    db.session.add(CohortCoach(cohort_id=world.cohort.id, user_id=other.id))
    db.session.commit()
    return other


# ---- a coach logs, the team is told ------------------------------------------------------------


def test_a_coach_logs_a_session_and_every_team_member_is_mailed(incubation, make_client, run_jobs, mailbox):
    team = incubation.teams[0]
    browser = make_client(incubation.coach)
    response = browser.post(url(team), data=session_form(incubation))
    assert response.status_code == 302
    [made] = sessions_of(team)
    assert (made.coach_id, made.duration_minutes, made.held_on) == (
        incubation.coach.id, 90, today(incubation) - timedelta(days=2))
    [event] = actions("incubation.coaching_logged")
    assert (event.object_type, event.object_id, event.details["minutes"]) == ("CohortTeam", team.id, 90)
    assert coaching_milestone(incubation).last_activity == "Coaching session logged (90 min)"
    run_jobs()
    for person in (incubation.lead(0), incubation.member(0)):
        [mail] = mailbox.to(person.email)
        body = mailbox.body(mail)
        assert "logged your coaching session" in mail["Subject"]
        assert "Budget assumptions and the enrollment ramp." in body and "Revise year two by Friday." in body
        assert f"/incubation/teams/{team.id}/coaching#session-{made.id}" in body
    assert mailbox.to(incubation.lead(1).email) == [] and mailbox.to(incubation.coach.email) == []
    page = browser.get(response.headers["Location"]).text
    assert "Logged the session. The team has been told." in page
    assert "1.5 hours</strong> over <strong>1 session" in page
    assert "“Individual coaching”: 1 of 6 sessions logged, 5 to go." in page


def test_a_member_in_daily_digest_mode_gets_a_digest_item_instead(incubation, make_client, run_jobs, mailbox):
    member = incubation.member(0)
    db.session.add(NotificationSetting(user_id=member.id, mode=NoticeMode.daily))
    db.session.commit()
    make_client(incubation.coach).post(url(incubation.teams[0]), data=session_form(incubation))
    run_jobs()
    assert mailbox.to(member.email) == []
    [item] = db.session.scalars(sa.select(DigestItem).filter_by(user_id=member.id)).all()
    assert item.kind == "incubation_coaching_session" and "Budget assumptions" in item.body_text
    assert len(mailbox.to(incubation.lead(0).email)) == 1


def test_the_summary_counts_hours_and_sessions_against_the_milestone(incubation, make_client):
    for minutes in (60, 45, 75, 60, 60, 30):
        log(incubation, duration_minutes=minutes)
    summary = coaching.summary_of(incubation.teams[0])
    assert (summary.sessions, summary.minutes, summary.hours) == (6, 330, 5.5)
    assert [(p.title, p.logged, p.needed, p.is_met) for p in summary.milestones] == [
        ("Individual coaching", 6, 6, True)]
    page = make_client(incubation.lead(0)).get(url(incubation.teams[0])).text
    assert "5.5 hours</strong> over <strong>6 sessions" in page and "6 of 6 sessions logged, enough to submit it" in page


def test_the_team_reads_sessions_newest_first_and_cannot_log_one(incubation, make_client):
    log(incubation, held_on=today(incubation) - timedelta(days=10), topics="Older topic")
    log(incubation, held_on=today(incubation) - timedelta(days=1), topics="Newer topic")
    browser = make_client(incubation.member(0))
    page = browser.get(url(incubation.teams[0])).text
    assert page.index("Newer topic") < page.index("Older topic")
    assert f"Coach: {incubation.coach.display_name}" in page
    assert "Log a coaching session" not in page and "/edit" not in page
    assert browser.post(url(incubation.teams[0]), data=session_form(incubation)).status_code == 404
    assert len(sessions_of(incubation.teams[0])) == 2


def test_staff_read_the_log(incubation, make_client):
    log(incubation, topics="Charter timeline", duration_minutes=60)
    page = make_client(incubation.staff).get(url(incubation.teams[0]))
    assert page.status_code == 200 and "Charter timeline" in page.text
    assert "1 hour</strong> over <strong>1 session</strong>" in page.text


def test_an_empty_log_says_who_writes_it(incubation, make_client):
    page = make_client(incubation.lead(0)).get(url(incubation.teams[0])).text
    assert "Your coach logs each session here" in page and "0 hours</strong> over <strong>0 sessions" in page
    assert "After each session, log what you talked about" in make_client(incubation.coach).get(
        url(incubation.teams[0])).text


# ---- replies ----------------------------------------------------------------------------------


def test_the_team_replies_and_the_coach_is_mailed(incubation, make_client, run_jobs, mailbox):
    made = log(incubation)
    run_jobs()
    mailbox.messages.clear()
    browser = make_client(incubation.lead(0))
    response = browser.post(url(incubation.teams[0], f"/{made.id}/replies"),
                            data={f"reply-{made.id}-body": "Thanks, we will send the draft Thursday."})
    assert response.status_code == 302
    [answer] = db.session.scalars(sa.select(CoachingReply)).all()
    assert (answer.author_id, answer.body) == (incubation.lead(0).id, "Thanks, we will send the draft Thursday.")
    assert len(actions("incubation.coaching_replied")) == 1
    run_jobs()
    [mail] = mailbox.to(incubation.coach.email)
    assert "replied to your coaching notes" in mail["Subject"]
    assert "Thanks, we will send the draft Thursday." in mailbox.body(mail)
    assert "Thanks, we will send the draft Thursday." in browser.get(url(incubation.teams[0])).text


def test_a_coach_or_staff_reply_mails_nobody(incubation, make_client, run_jobs, mailbox):
    made = log(incubation)
    run_jobs()
    mailbox.messages.clear()
    for person in (incubation.coach, incubation.staff):
        response = make_client(person).post(url(incubation.teams[0], f"/{made.id}/replies"),
                                            data={f"reply-{made.id}-body": f"Note from {person.display_name}"})
        assert response.status_code == 302
    run_jobs()
    assert mailbox.messages == []
    assert len(db.session.scalars(sa.select(CoachingReply)).all()) == 2


@pytest.mark.parametrize("body,message", [
    ("", "Write your reply."), ("   ", "Write your reply."), ("r" * 5001, "At most 5,000 characters."),
    ("Hi\x00there", "control characters"),
])
def test_a_hostile_reply_is_refused(incubation, make_client, body, message):
    made = log(incubation)
    response = make_client(incubation.lead(0)).post(url(incubation.teams[0], f"/{made.id}/replies"),
                                                    data={f"reply-{made.id}-body": body})
    assert response.status_code == 422 and message in response.text
    assert f'id="reply-{made.id}-body-error"' in response.text
    assert db.session.scalars(sa.select(CoachingReply)).all() == []


# ---- editing and deleting ----------------------------------------------------------------------


def test_a_coach_edits_their_own_session(incubation, make_client):
    made = log(incubation, duration_minutes=60)
    browser = make_client(incubation.coach)
    form = browser.get(url(incubation.teams[0], f"/{made.id}/edit"))
    assert form.status_code == 200 and 'value="1 h"' in form.text
    response = browser.post(url(incubation.teams[0], f"/{made.id}/edit"),
                            data=session_form(incubation, duration="2h 15m",
                                              fingerprint=coaching.fingerprint_of(made)))
    assert response.status_code == 302
    db.session.refresh(made)
    assert made.duration_minutes == 135 and made.topics == "Budget assumptions and the enrollment ramp."
    [event] = actions("incubation.coaching_edited")
    assert "duration_minutes" in event.details["changed"]


def test_an_edit_over_a_session_changed_meanwhile_is_refused(incubation, make_client):
    made = log(incubation, duration_minutes=60)
    seen = coaching.fingerprint_of(made)
    made.topics = "Changed in another tab"
    db.session.commit()
    response = make_client(incubation.coach).post(url(incubation.teams[0], f"/{made.id}/edit"),
                                                  data=session_form(incubation, fingerprint=seen))
    assert response.status_code == 409 and "Someone else changed this session" in response.text
    db.session.refresh(made)
    assert (made.topics, made.duration_minutes) == ("Changed in another tab", 60)


def test_a_coach_deletes_their_own_session_and_its_replies(incubation, make_client):
    made = log(incubation)
    coaching.reply(made, actor=incubation.lead(0), now=utcnow(), body="Noted")
    db.session.commit()
    browser = make_client(incubation.coach)
    page = browser.get(url(incubation.teams[0])).text
    assert 'data-confirm="Delete the session of' in page
    assert browser.post(url(incubation.teams[0], f"/{made.id}/delete")).status_code == 302
    assert sessions_of(incubation.teams[0]) == [] and db.session.scalars(sa.select(CoachingReply)).all() == []
    [event] = actions("incubation.coaching_deleted")
    assert event.details["replies"] == 1
    assert coaching_milestone(incubation).last_activity == "Coaching session deleted"


def test_a_coach_cannot_edit_or_delete_another_coachs_session(incubation, make_client, make_user, grant_role):
    made = log(incubation, topics="Notes of Cam")
    other = make_client(second_coach(incubation, make_user, grant_role))
    page = other.get(url(incubation.teams[0]))
    assert page.status_code == 200 and "Notes of Cam" in page.text and f"/{made.id}/edit" not in page.text
    assert other.get(url(incubation.teams[0], f"/{made.id}/edit")).status_code == 404
    assert other.post(url(incubation.teams[0], f"/{made.id}/edit"), data=session_form(incubation)).status_code == 404
    assert other.post(url(incubation.teams[0], f"/{made.id}/delete")).status_code == 404
    staff = make_client(incubation.staff)
    assert staff.post(url(incubation.teams[0], f"/{made.id}/delete")).status_code == 404
    db.session.refresh(made)
    assert made.topics == "Notes of Cam"


def test_a_session_is_reached_only_through_its_own_team(incubation, make_client):
    """The coach coaches both teams, but team 1's session is not theirs to edit through team 0's address."""
    theirs = log(incubation, index=1, topics="Notes of team one")
    browser = make_client(incubation.coach)
    first = incubation.teams[0]
    assert browser.get(url(first, f"/{theirs.id}/edit")).status_code == 404
    assert browser.post(url(first, f"/{theirs.id}/edit"), data=session_form(incubation)).status_code == 404
    assert browser.post(url(first, f"/{theirs.id}/delete")).status_code == 404
    assert browser.post(url(first, f"/{theirs.id}/replies"), data={f"reply-{theirs.id}-body": "x"}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.topics == "Notes of team one" and theirs.replies == []


# ---- who gets 404 ------------------------------------------------------------------------------


@pytest.fixture
def outsiders(incubation, make_incubation_world, make_org, org):
    other_cohort = make_incubation_world(org, incubation.staff, teams=1)
    other_org = make_incubation_world(make_org("Elsewhere Schools"), teams=1)
    return {"coach of another cohort": other_cohort.coach, "member of another team": incubation.member(1),
            "staff of another organization": other_org.staff}


def test_everyone_else_gets_404_on_every_url_and_changes_nothing(incubation, outsiders, make_client, mailbox):
    made = log(incubation, topics="Private notes")
    team = incubation.teams[0]
    for who, person in outsiders.items():
        browser = make_client(person)
        for method, path, data in (
                ("GET", url(team), None), ("POST", url(team), session_form(incubation)),
                ("GET", url(team, f"/{made.id}/edit"), None),
                ("POST", url(team, f"/{made.id}/edit"), session_form(incubation)),
                ("POST", url(team, f"/{made.id}/delete"), {}),
                ("POST", url(team, f"/{made.id}/replies"), {f"reply-{made.id}-body": "Hello"})):
            response = browser.open(path, method=method, data=data)
            assert response.status_code == 404, f"{who}: {method} {path}"
    assert [s.topics for s in sessions_of(team)] == ["Private notes"]
    assert db.session.scalars(sa.select(CoachingReply)).all() == []
    assert len(actions("incubation.coaching_logged")) == 1 and not actions("incubation.coaching_edited")


def test_a_signed_out_visitor_is_offered_to_sign_in(incubation, make_client):
    made = log(incubation)
    visitor = make_client()
    for path in (url(incubation.teams[0]), url(incubation.teams[0], f"/{made.id}/edit")):
        response = visitor.get(path)
        assert response.status_code == 404 and "/login?next=" in response.text
    assert visitor.post(url(incubation.teams[0]), data=session_form(incubation)).status_code == 404
    assert len(sessions_of(incubation.teams[0])) == 1


def test_a_team_that_left_the_cohort_reads_its_log_but_nothing_is_added(incubation, make_client):
    made = log(incubation, topics="Before leaving")
    team = incubation.teams[0]
    team.status, team.left_at, team.left_reason = CohortTeamStatus.left, utcnow(), "Paused"
    db.session.commit()
    member = make_client(incubation.lead(0))
    page = member.get(url(team)).text
    assert "Before leaving" in page and "has left the cohort" in page and "Reply</button>" not in page
    member.post(url(team, f"/{made.id}/replies"), data={f"reply-{made.id}-body": "Still here"})
    coach = make_client(incubation.coach)
    assert "Log a coaching session" not in coach.get(url(team)).text
    response = coach.post(url(team), data=session_form(incubation), follow_redirects=True)
    assert "its logs can be read but no longer changed" in response.text
    coach.post(url(team, f"/{made.id}/edit"), data=session_form(incubation))
    coach.post(url(team, f"/{made.id}/delete"))
    assert [s.topics for s in sessions_of(team)] == ["Before leaving"]
    assert db.session.scalars(sa.select(CoachingReply)).all() == []


def test_a_team_member_who_is_also_a_coach_elsewhere_cannot_log_for_their_own_team(incubation, make_client):
    """Being on the team is not being a coach of its cohort."""
    lead = incubation.lead(0)
    assert make_client(lead).post(url(incubation.teams[0]), data=session_form(incubation)).status_code == 404
    assert sessions_of(incubation.teams[0]) == []


# ---- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize("field,value,message", [
    ("duration", "0", "between 1 minute and 24 hours"),
    ("duration", "1441", "between 1 minute and 24 hours"),
    ("duration", "25:00", "between 1 minute and 24 hours"),
    ("duration", "-5", "Type the length in minutes"),
    ("duration", "many", "Type the length in minutes"),
    ("duration", "٩٠", "Type the length in minutes"),
    ("duration", "", "Say how long the session lasted."),
    ("held_on", "yesterday", "Type the date as year-month-day"),
    ("topics", "", "Write down what you talked about."),
    ("topics", "t" * 5001, "At most 5,000 characters."),
    ("next_steps", "n" * 5001, "At most 5,000 characters."),
    ("topics", "Bell\x07", "control characters"),
])
def test_hostile_session_input_is_refused_and_nothing_saved(incubation, make_client, field, value, message):
    response = make_client(incubation.coach).post(url(incubation.teams[0]),
                                                  data=session_form(incubation, **{field: value}))
    assert response.status_code == 422 and message in response.text
    assert f'id="{field}-error"' in response.text
    assert sessions_of(incubation.teams[0]) == []


def test_a_session_date_in_the_future_or_long_before_the_start_is_refused(incubation, make_client):
    browser = make_client(incubation.coach)
    for day in (today(incubation) + timedelta(days=1), incubation.cohort.starts_on - timedelta(days=31)):
        response = browser.post(url(incubation.teams[0]), data=session_form(incubation, held_on=day.isoformat()))
        assert response.status_code == 422
    assert sessions_of(incubation.teams[0]) == []


@pytest.mark.parametrize("text,minutes", [
    ("90", 90), ("90 min", 90), ("1:30", 90), ("1h30", 90), ("1h 30m", 90), ("1 h 30 min", 90),
    ("1.5 hours", 90), ("2 hours", 120), ("45 minutes", 45), ("24:00", 1440), (" 2H ", 120),
])
def test_durations_read_as_a_coach_types_them(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "many", "-5", "1:75", "h", "1.5h 10m", "١٢", "1,5 h", "90 seconds"])
def test_what_is_not_a_duration(text):
    assert parse_duration(text) is None


def test_the_service_refuses_a_team_member_and_a_bad_duration(incubation):
    from incubator.core.errors import DomainError, NotAllowed

    team = incubation.teams[0]
    with pytest.raises(NotAllowed):
        coaching.log_session(team, coach=incubation.lead(0), now=utcnow(), held_on=today(incubation),
                             duration_minutes=30, topics="x", next_steps="")
    with pytest.raises(DomainError):
        coaching.log_session(team, coach=incubation.coach, now=utcnow(), held_on=today(incubation),
                             duration_minutes=0, topics="x", next_steps="")


def test_a_member_added_later_is_mailed_about_the_next_session(incubation, make_client, make_user, run_jobs,
                                                                 mailbox):
    newcomer = make_user("newcomer@bayou.org", name="Nia New")
    incubation.applications[0].team.members.append(TeamMember(user=newcomer))
    db.session.commit()
    make_client(incubation.coach).post(url(incubation.teams[0]), data=session_form(incubation))
    run_jobs()
    assert len(mailbox.to("newcomer@bayou.org")) == 1
