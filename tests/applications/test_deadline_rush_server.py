"""The deadline rush through a real multi-process server (issue #13): 50 teams submit in the same
moment through gunicorn on 127.0.0.1, with double-clicks, teammates saving at that moment and a
few teams clicking after the deadline; `flask worker` processes send the receipts and make the
PDFs. The driver is bench/scenarios/_rush.py (the benchmark runs it with 300 teams)."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.scenarios import _rush
from incubator.applications.models import Application, ApplicationRevision
from incubator.applications.states import Status
from incubator.challenges.models import Challenge
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.extensions import db

TEAMS = 50


@pytest.fixture
def server(app, database_url, redis_url, smtp_server, tmp_path):
    env = _rush.environment(database_url=database_url, redis_url=redis_url, prefix=app.config["RQ_QUEUE_PREFIX"],
                            workdir=Path(app.config["INSTANCE_DIR"]), mail_port=smtp_server[1])
    env["UPLOAD_DIR"] = app.config["UPLOAD_DIR"]
    processes = _rush.Processes(env, log=tmp_path / "processes.log")
    try:
        yield processes
    finally:
        processes.stop()


def test_a_deadline_rush_through_gunicorn_submits_every_on_time_team_exactly_once(app, server, mailbox):
    teams = _rush.seed(TEAMS, closes_at=datetime.now(timezone.utc) + timedelta(hours=1))
    db.session.remove()
    server.start_web()
    server.start_workers()  # running at the deadline, as in production
    people = _rush.prepare(server.url, teams)
    fire_at = datetime.now(timezone.utc).timestamp() + 1.5
    closes_at = datetime.fromtimestamp(fire_at + 2.0, timezone.utc)  # most requests are handled after it
    db.session.execute(sa.update(Challenge).values(closes_at=closes_at))
    db.session.commit()
    result = _rush.burst(teams, people, fire_at=fire_at, late_at=closes_at.timestamp() + 0.3)

    log = Path(server.log.name).read_text()
    assert [a for a in result.answers.values() if a.status >= 500] == [], log[-3000:]
    assert "database is locked" not in log
    db.session.remove()
    applications = {a.id: a for a in db.session.scalars(sa.select(Application))}
    submitted = []
    for team in teams:
        application = applications[team.application_id]
        clicks = [result.answers[(team.number, kind)] for kind in ("submit", "again") if (team.number, kind) in result.answers]
        # When the click went out (the front proxy's stamp), not when a worker got to it, decides.
        on_time = min(click.sent_at for click in clicks) < closes_at.timestamp()
        if team.late:
            assert not on_time
        for click in clicks:  # a success, or the deadline: never an error page for a submitted application
            if on_time:
                assert (click.status, click.location) == (302, f"/applications/{application.id}"), click
            else:
                assert click.status == 409, click
        if on_time:
            assert application.status == Status.submitted, team
            assert application.submitted_at <= closes_at
            submitted.append(application.id)
        else:
            assert application.status == Status.draft and application.submitted_at is None, team
        if team.teammate_saves:  # saved (and then frozen with it) or refused: never half of either
            save = result.answers[(team.number, "save")]
            assert save.status in (302, 409), save
            assert (application.grades == "K-8") == (save.status == 302), team
        last_save = db.session.scalar(sa.select(sa.func.max(ApplicationRevision.version))
                                      .filter_by(application_id=application.id))
        assert last_save is None or last_save < application.version  # no save after the submission
    assert len(submitted) >= TEAMS // 2  # (on a very busy machine a few clicks may go out late)

    events = db.session.execute(sa.select(AuditEvent.object_id, sa.func.count()).filter_by(
        action="application.submitted").group_by(AuditEvent.object_id)).all()
    assert sorted(events) == sorted((i, 1) for i in submitted)  # one audit event per submission

    members = {team.application_id: (team.lead, team.member) for team in teams}
    expected = sorted(email for i in submitted for email in members[i])
    assert sorted(db.session.scalars(sa.select(OutboxMessage.recipient))) == expected  # one receipt per member
    assert _rush.wait_for_pdfs(submitted, Path(app.config["UPLOAD_DIR"]) / "pdf", timeout=120) is not None
    assert _rush.wait_for_mail(len(expected), lambda: len(mailbox.messages), timeout=60)
    assert sorted(m["To"] for m in mailbox.messages) == expected
