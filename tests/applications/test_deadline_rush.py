"""At the deadline: a teammate's save while the lead submits, a double-click, and a click that
reaches the portal before the deadline but is handled after it (issue #13)."""
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from incubator.applications import application_views, submission
from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core import arrival
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import from_local
from incubator.extensions import db
from tests.applications.conftest import fill_completely

CLOSES_AT = from_local(datetime(2026, 12, 4, 17, 0), "America/Chicago")  # 23:00 UTC, a Friday


@pytest.fixture
def rush(make_challenge, team):
    challenge = make_challenge(opens_at=CLOSES_AT - timedelta(days=30), closes_at=CLOSES_AT)
    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    db.session.commit()
    return fill_completely(application)


def seen_version(client, application) -> str:
    page = client.get(f"/applications/{application.id}/submit").text
    return re.search(r'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"',
                     page.replace('id="version" ', "")).group(1)


def commit_elsewhere(sql: str, **params) -> None:
    """What another request commits while this one runs (its own connection and transaction)."""
    with db.engine.begin() as other:
        other.execute(sa.text(sql), params)


def while_the_submission_runs(monkeypatch, happen):
    """Run `happen` once, after the submitting request loaded the application and before it freezes it."""
    real, done = submission.checklist, []

    def checklist(application):
        if not done:
            done.append(True)
            happen(application)
        return real(application)

    monkeypatch.setattr(submission, "checklist", checklist)


def teammate_saves(member, *, school_name, saved_at):
    def save(application):
        commit_elsewhere("UPDATE applications SET version = version + 1, school_name = :name, updated_by_id = :member "
                         "WHERE id = :id", name=school_name, member=member.id, id=application.id)
        commit_elsewhere(
            "INSERT INTO application_revisions (application_id, version, saved_by_id, saved_at, changes) "
            "VALUES (:id, (SELECT version FROM applications WHERE id = :id), :member, :saved_at, :changes)",
            id=application.id, member=member.id, saved_at=saved_at.replace(tzinfo=None) if
            db.engine.dialect.name == "sqlite" else saved_at,
            changes='[{"field": "school_name", "label": "School name", "old": "Bayou Community School", '
                    f'"new": "{school_name}"}}]')
    return save


# ---- item 1: a teammate's save lands while the lead submits -------------------------------------


def test_a_teammates_save_during_the_submission_is_frozen_with_it_and_named(
        monkeypatch, make_client, freeze, lead, member, rush, run_jobs, mailbox):
    moment = CLOSES_AT - timedelta(seconds=2)
    freeze(moment)
    client = make_client(lead)
    version = seen_version(client, rush)
    while_the_submission_runs(monkeypatch, teammate_saves(member, school_name="Bayou Community School of the Arts",
                                                           saved_at=moment - timedelta(seconds=3)))

    response = client.post(f"/applications/{rush.id}/submit", data={"version": version})

    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Application submitted." in page and "It includes a change Mo Member saved 3 seconds earlier." in page
    db.session.expire_all()
    assert rush.status == Status.submitted and rush.submitted_at == moment
    assert rush.school_name == "Bayou Community School of the Arts"  # the latest saved version is what is frozen
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .filter_by(action="application.submitted")) == 1
    run_jobs()
    assert sorted(m["To"] for m in mailbox.messages) == ["lead@example.org", "member@example.org"]
    for message in mailbox.messages:
        assert "It includes a change Mo Member saved 3 seconds earlier." in mailbox.body(message)
    # A save after the submission is refused, as before.
    late = make_client(member).post(f"/applications/{rush.id}/edit", data={"school_name": "Changed", "version": "3"})
    assert late.status_code == 409
    db.session.expire_all()
    assert rush.school_name == "Bayou Community School of the Arts"


def test_a_teammates_save_that_leaves_it_incomplete_is_not_submitted(monkeypatch, make_client, freeze, lead, member,
                                                                      rush):
    freeze(CLOSES_AT - timedelta(minutes=5))
    client = make_client(lead)
    version = seen_version(client, rush)
    while_the_submission_runs(monkeypatch, teammate_saves(member, school_name="", saved_at=CLOSES_AT - timedelta(minutes=6)))

    response = client.post(f"/applications/{rush.id}/submit", data={"version": version})

    assert response.status_code == 422 and "Still missing" in response.text and "School name" in response.text
    db.session.expire_all()
    assert rush.status == Status.draft and rush.submitted_at is None
    assert db.session.scalar(sa.select(OutboxMessage)) is None


def test_a_submission_without_a_later_save_mentions_none(make_client, freeze, lead, rush):
    freeze(CLOSES_AT - timedelta(minutes=1))
    client = make_client(lead)
    response = client.post(f"/applications/{rush.id}/submit", data={"version": seen_version(client, rush)})
    page = client.get(response.location).text
    assert "Application submitted." in page and "It includes" not in page


# ---- item 2: a double-click ---------------------------------------------------------------------


def test_the_second_click_of_a_double_click_lands_on_the_application_as_a_success(make_client, freeze, lead, rush):
    freeze(CLOSES_AT - timedelta(seconds=2))  # 16:59:58 in Chicago
    client = make_client(lead)
    assert client.post(f"/applications/{rush.id}/submit").status_code == 302
    again = client.post(f"/applications/{rush.id}/submit")
    assert again.status_code == 302 and again.location.endswith(f"/applications/{rush.id}")
    page = client.get(again.location).text
    assert "Already submitted at 16:59:58 CST on Friday 4 December 2026." in page
    assert "not allowed" not in page and "flash-error" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .filter_by(action="application.submitted")) == 1


def test_the_second_click_racing_the_first_is_answered_already_submitted(monkeypatch, make_client, freeze, lead, rush):
    """Both clicks loaded the draft; the first one commits while the second is on its way."""
    moment = CLOSES_AT - timedelta(seconds=2)
    freeze(moment)
    while_the_submission_runs(monkeypatch, lambda application: commit_elsewhere(
        "UPDATE applications SET status = 'submitted', submitted_at = :at, version = version + 1 WHERE id = :id",
        at=moment.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else moment, id=application.id))
    client = make_client(lead)
    second = client.post(f"/applications/{rush.id}/submit")
    assert second.status_code == 302
    assert "Already submitted at 16:59:58 CST" in client.get(second.location).text
    assert db.session.scalar(sa.select(OutboxMessage)) is None  # the first click sent the receipts, not this one


def test_someone_outside_the_team_still_cannot_submit_a_submitted_application(make_client, freeze, lead, rush, staff):
    freeze(CLOSES_AT - timedelta(seconds=2))
    assert make_client(lead).post(f"/applications/{rush.id}/submit").status_code == 302
    response = make_client(staff).post(f"/applications/{rush.id}/submit")
    assert response.status_code == 409 and "Already submitted" not in response.text


# ---- item 3: the deadline counts from when the click reached the portal -------------------------


def arrives_then_runs(monkeypatch, *, arrives, runs):
    """The request is stamped at `arrives`; everything after (the view) runs at `runs`."""
    calls = []

    def clock():
        calls.append(1)
        return (arrives if len(calls) == 1 else runs).timestamp()

    monkeypatch.setattr(arrival, "clock", clock)
    monkeypatch.setattr(application_views, "utcnow", lambda: runs)


def test_a_click_that_reached_the_portal_before_the_deadline_counts_though_it_ran_after(monkeypatch, make_client,
                                                                                         lead, rush):
    client = make_client(lead)
    arrives_then_runs(monkeypatch, arrives=CLOSES_AT - timedelta(seconds=1), runs=CLOSES_AT + timedelta(seconds=7))
    response = client.post(f"/applications/{rush.id}/submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert rush.status == Status.submitted and rush.submitted_at == CLOSES_AT - timedelta(seconds=1)


def test_a_click_that_reached_the_portal_at_the_deadline_is_late(monkeypatch, make_client, lead, rush):
    client = make_client(lead)
    arrives_then_runs(monkeypatch, arrives=CLOSES_AT, runs=CLOSES_AT + timedelta(seconds=1))
    response = client.post(f"/applications/{rush.id}/submit")
    assert response.status_code == 409 and "closed at 17:00 CST" in response.text
    db.session.expire_all()
    assert rush.status == Status.draft


def stamp(moment, unit=1):
    return f"t={int(moment.timestamp() * unit)}" if unit != 1 else f"t={moment.timestamp():.3f}"


@pytest.mark.parametrize("unit", [1, 1000, 1_000_000])
def test_behind_a_proxy_its_request_start_header_counts_when_configured(monkeypatch, app, make_client, lead, rush,
                                                                        unit):
    monkeypatch.setitem(app.config, "PROXY_HOPS", 1)
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", "X-Request-Start")
    client = make_client(lead)
    arrives_then_runs(monkeypatch, arrives=CLOSES_AT + timedelta(seconds=4), runs=CLOSES_AT + timedelta(seconds=5))
    response = client.post(f"/applications/{rush.id}/submit",
                           headers={"X-Request-Start": stamp(CLOSES_AT - timedelta(seconds=3), unit)})
    assert response.status_code == 302
    db.session.expire_all()
    assert abs((rush.submitted_at - (CLOSES_AT - timedelta(seconds=3))).total_seconds()) < 0.01


@pytest.mark.parametrize("hops, header_setting, header", [
    (0, "X-Request-Start", "sent"),  # not behind a proxy: the client wrote it
    (1, None, "sent"),  # behind a proxy, but no setting names the header
    (1, "X-Request-Start", "an hour old"),  # older than any queue: a misconfigured proxy
    (1, "X-Request-Start", "t=yesterday"),
])
def test_a_request_start_header_is_not_believed_otherwise(monkeypatch, app, make_client, lead, rush, hops,
                                                          header_setting, header):
    monkeypatch.setitem(app.config, "PROXY_HOPS", hops)
    monkeypatch.setitem(app.config, "REQUEST_START_HEADER", header_setting)
    value = {"sent": stamp(CLOSES_AT - timedelta(seconds=3)),
             "an hour old": stamp(CLOSES_AT - timedelta(hours=1))}.get(header, header)
    client = make_client(lead)
    arrives_then_runs(monkeypatch, arrives=CLOSES_AT + timedelta(seconds=4), runs=CLOSES_AT + timedelta(seconds=5))
    response = client.post(f"/applications/{rush.id}/submit", headers={"X-Request-Start": value})
    assert response.status_code == 409
    db.session.expire_all()
    assert rush.status == Status.draft


def test_the_challenge_page_states_the_rule(client, rush):
    page = client.get(f"/challenges/{rush.challenge.slug}").text
    assert "Submissions received by 17:00:00 Central count" in page
