"""The deadline rush: `size` teams submit in the same moment through gunicorn (-w 4) on
127.0.0.1, with double-clicks (1 team in 10), teammates saving at that moment (1 in 10) and a
few teams clicking after the deadline; `flask worker` processes as `flask serve` starts them
(one for every queue, mail first, and one for PDFs) send the receipts and make the PDFs.

Prints the burst time, the p50/p95 of the submits and the time until the last PDF is ready,
and FAILED lines if any request answered 5xx or a team is not submitted exactly once.
Mail is not sent anywhere (no MAIL_SERVER): it is logged and kept in the outbox.
"""
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bench.scenarios import _rush

NAME = "deadline-rush"
SIZE = 300


def run(size, *, app, database_url, redis_url, workdir) -> list[str]:
    from incubator.applications.models import Application
    from incubator.applications.states import Status
    from incubator.challenges.models import Challenge
    from incubator.core.audit import AuditEvent
    from incubator.core.mail import OutboxMessage
    from incubator.extensions import db

    with app.app_context():
        db.create_all()
        teams = _rush.seed(size, closes_at=datetime.now(timezone.utc) + timedelta(hours=1))
        db.session.remove()
        env = _rush.environment(database_url=database_url, redis_url=redis_url, prefix=app.config["RQ_QUEUE_PREFIX"],
                                workdir=workdir, mail_port=None)
        env["UPLOAD_DIR"] = app.config["UPLOAD_DIR"]
        processes = _rush.Processes(env, log=workdir / "processes.log")
        try:
            processes.start_web()
            processes.start_workers()
            people = _rush.prepare(processes.url, teams)
            fire_at = time.time() + 2.0
            closes_at = datetime.fromtimestamp(fire_at + 2.0, timezone.utc)
            db.session.execute(sa.update(Challenge).values(closes_at=closes_at))
            db.session.commit()
            result = _rush.burst(teams, people, fire_at=fire_at, late_at=closes_at.timestamp() + 0.3)
            on_time = [t.application_id for t in teams if not t.late]
            ready = _rush.wait_for_pdfs(on_time, Path(app.config["UPLOAD_DIR"]) / "pdf", timeout=900)
            receipts = _rush.wait_for_mail(2 * len(on_time), lambda: db.session.scalar(
                sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(["sent", "logged"]))),
                timeout=600)
        finally:
            processes.stop()
        log = (workdir / "processes.log").read_text()
        db.session.rollback()
        statuses = dict(db.session.execute(sa.select(Application.id, Application.status)).all())
        events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .filter_by(action="application.submitted"))
    lines = _rush.summary(result, ready)
    errors = [a for a in result.answers.values() if a.status >= 500]
    late = [t for t in teams if t.late]
    lines.append(f"teams: {len(on_time)} on time, all submitted: {all(statuses[i] == Status.submitted for i in on_time)}; "
                 f"{len(late)} late, all refused: {all(statuses[t.application_id] == Status.draft for t in late)}; "
                 f"{events} submission events")
    if errors or events != len(on_time) or "database is locked" in log or not receipts or ready is None \
            or not all(statuses[i] == Status.submitted for i in on_time):
        lines.append(f"FAILED: {len(errors)} answers 5xx, {events} events for {len(on_time)} teams, "
                     f"receipts {'all' if receipts else 'not all'} out, PDFs {'ready' if ready is not None else 'not ready'}"
                     f"{', database is locked in the log' if 'database is locked' in log else ''}")
    return lines
