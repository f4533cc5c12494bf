"""Jobs under the real worker (`flask worker --burst`, which runs them in its own process).

DESIGN.md asks that 1,000 notification jobs run at at least half the throughput of
1,000 no-op jobs on one worker, and that an application PDF takes under 150 ms as a job.
Each batch is queued, then one `flask worker --burst` subprocess (the command production
runs) serves it against this scenario's database and Redis, with mail going to an SMTP
server (aiosmtpd) in this process. Throughput is read from the jobs' own start and end
times in Redis, so the worker's start-up is not counted.

`--size` sets the number of mail and no-op jobs; the PDF batch is SIZE // 25 applications
(40 by default), each with 20 answers and a four-year plan.
"""
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from bench.scenarios.applications import seed as seed_one_application
from incubator.applications.models import Answer, Application, FinancialYear, Team, TeamMember
from incubator.core import jobs
from incubator.core.mail import queue_mail
from incubator.extensions import db

NAME = "worker"
SIZE = 1_000
REQUESTS = []  # no pages: the figures come from figures()
REPO = Path(__file__).resolve().parents[2]


def seed(size):
    seed_one_application(20)  # the demo people, a challenge of 20 questions, one submitted application
    original = db.session.scalar(sa.select(Application).where(Application.submitted_at.is_not(None)))
    for n in range(max(1, size // 25) - 1):
        team = Team(name=f"PDF Team {n}")
        team.members += [TeamMember(user=m.user, is_lead=m.is_lead) for m in original.team.members]
        copy = Application(team=team, challenge=original.challenge, status=original.status,
                           submitted_at=original.submitted_at, school_name=f"{original.school_name} {n}")
        for name in ("grades", "launch_year", "target_enrollment", "neighbourhood", "learner_profiles",
                     "personal_learning_paths", "competency_based_progression", "flexible_learning_environments"):
            setattr(copy, name, getattr(original, name))
        copy.answers = [Answer(question_id=a.question_id, text_value=a.text_value, number_value=a.number_value,
                               choices_value=a.choices_value) for a in original.answers]
        copy.financial_years = [FinancialYear(year_number=y.year_number, enrollment=y.enrollment,
                                              per_pupil_revenue_cents=y.per_pupil_revenue_cents,
                                              other_revenue_cents=y.other_revenue_cents,
                                              operating_expenses_cents=y.operating_expenses_cents)
                                for y in original.financial_years]
        db.session.add(copy)
    db.session.commit()


class _Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_worker(queue_name: str, smtp_port: int) -> float:
    """Serve `queue_name` with `flask worker --burst` until it is empty; returns the wall time."""
    config = current_app.config
    env = dict(os.environ, FLASK_APP="wsgi", INCUBATOR_ENV="development",
               DATABASE_URL=str(config["SQLALCHEMY_DATABASE_URI"]), REDIS_URL=config["REDIS_URL"],
               RQ_QUEUE_PREFIX=config["RQ_QUEUE_PREFIX"], UPLOAD_DIR=config["UPLOAD_DIR"],
               INCUBATOR_INSTANCE=config["INSTANCE_DIR"], MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "worker", "--burst", "--queue", queue_name], env=env, cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _timings(job_ids: list[str]) -> tuple[float, list[float], list[float]]:
    """(seconds from the first job's start to the last one's end, each job's own ms, the ms from
    each job's start to the next one's: the job and the worker's own work around it)."""
    from rq.job import Job

    fetched = Job.fetch_many(job_ids, connection=jobs.redis_connection())
    done = [j for j in fetched if j is not None and j.ended_at and j.started_at]
    if len(done) != len(job_ids) or any(j.get_status() != "finished" for j in done):
        failed = [j.id for j in fetched if j is None or j.get_status() != "finished"]
        raise SystemExit(f"[worker] {len(failed)} job(s) did not finish, e.g. {failed[:3]}")
    span = (max(j.ended_at for j in done) - min(j.started_at for j in done)).total_seconds()
    starts = sorted(j.started_at for j in done)
    cycles = sorted((b - a).total_seconds() * 1000 for a, b in zip(starts, starts[1:]))
    return span, sorted((j.ended_at - j.started_at).total_seconds() * 1000 for j in done), cycles


def _batch(queue_name: str, enqueue) -> list[str]:
    q = jobs.queue(queue_name)
    before = set(q.job_ids)
    enqueue()
    return [job_id for job_id in q.job_ids if job_id not in before]


ROUNDS = 4  # no-op and mail batches alternate, so a busy machine slows both alike


def figures(size):
    """The table's extra lines: (what, figure, budget)."""
    from aiosmtpd.controller import Controller

    sink, port = _Sink(), _free_port()
    # server_hostname: otherwise aiosmtpd looks its own name up for every connection.
    controller = Controller(sink, hostname="127.0.0.1", port=port, server_hostname="bench.local")
    controller.start()
    per_round = max(1, size // ROUNDS)
    noop_spans, mail_spans, mail_ms, noop_cycles, mail_cycles = [], [], [], [], []
    try:
        for round_number in range(ROUNDS):
            noop_ids = _batch("default", lambda: [jobs.queue("default").enqueue("builtins.int") for _ in range(per_round)])
            _run_worker("default", port)
            span, _, cycles = _timings(noop_ids)
            noop_spans.append(span)
            noop_cycles += cycles

            def queue_messages():
                for n in range(per_round):
                    queue_mail(f"person{n:06d}@example.org", "Your application was received", "confirm_email",
                               user=type("Person", (), {"display_name": f"Person {n}"})(),
                               confirm_url=f"http://127.0.0.1:5000/confirm/{round_number}/{n}")
                db.session.commit()  # the jobs are queued after commit

            mail_ids = _batch("mail", queue_messages)
            _run_worker("mail", port)
            span, each, cycles = _timings(mail_ids)
            mail_spans.append(span)
            mail_ms += each
            mail_cycles += cycles
        if sink.count != per_round * ROUNDS:
            raise SystemExit(f"[worker] {sink.count} of {per_round * ROUNDS} messages reached the SMTP server")

        application_ids = db.session.scalars(sa.select(Application.id).where(Application.submitted_at.is_not(None))
                                             .order_by(Application.id)).all()
        db.session.execute(sa.update(Application).values(pdf_path=None, pdf_sha256=None))
        db.session.commit()
        pdf_ids = _batch("pdf", lambda: [jobs.queue("pdf").enqueue("incubator.applications.jobs.render_application_pdf", a)
                                         for a in application_ids])
        _run_worker("pdf", port)
        pdf_span, pdf_ms, _ = _timings(pdf_ids)
    finally:
        controller.stop()
    total = per_round * ROUNDS
    noop_rate, mail_rate = total / sum(noop_spans), total / sum(mail_spans)
    ratios = sorted(n / m for n, m in zip(noop_spans, mail_spans))
    mail_ms.sort()
    noop_cycle, mail_cycle = statistics.median(noop_cycles), statistics.median(mail_cycles)
    return [
        (f"{total:,} no-op jobs", f"{noop_rate:,.0f} jobs/s ({1000 / noop_rate:.1f} ms a job; "
                                  f"median {noop_cycle:.1f} ms start to start)", ""),
        (f"{total:,} mail jobs (SMTP)", f"{mail_rate:,.0f} jobs/s ({1000 / mail_rate:.1f} ms a job; "
                                        f"median {mail_cycle:.1f} ms start to start, "
                                        f"{statistics.median(mail_ms):.1f} ms in the job)", ""),
        ("mail / no-op throughput", f"{mail_rate / noop_rate:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})",
         "at least 0.5"),
        ("mail / no-op, median jobs", f"{noop_cycle / mail_cycle:.2f}", ""),
        (f"{len(pdf_ids)} application PDF jobs", f"{pdf_span * 1000 / len(pdf_ids):.0f} ms a job (median "
                                                f"{statistics.median(pdf_ms):.0f} ms, p95 "
                                                f"{pdf_ms[min(len(pdf_ms) - 1, int(0.95 * len(pdf_ms)))]:.0f} ms in the job)",
         "under 150 ms"),
    ]
