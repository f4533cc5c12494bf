"""The deadline rush, shared by tests/applications/test_deadline_rush_server.py (50 teams) and
the `deadline-rush` benchmark (300 teams): every team's lead submits in the same moment through
a real gunicorn on 127.0.0.1, some leads double-click, some teammates save at that moment, and a
few teams click after the deadline; real RQ workers (`flask worker`, as `flask serve` starts
them: one for every queue, one for PDFs) send the receipts and make the PDFs.

The driver plays the front proxy too: it stamps each request with `X-Request-Start` when it
sends it (gunicorn runs with PROXY_HOPS=1 and REQUEST_START_HEADER), so "clicked before the
deadline" is exact however long a request waits for a gunicorn worker. The deadline falls in
the middle of the burst: most requests are handled after it.
"""
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import requests
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "rush-password-2026"


# ---- seeding --------------------------------------------------------------------------------


@dataclass
class Team:
    number: int
    application_id: int
    lead: str
    member: str
    double_click: bool
    teammate_saves: bool
    late: bool


def seed(team_count: int, *, closes_at: datetime) -> list[Team]:
    """In an app context on an empty schema: one organization, a challenge closing at `closes_at`
    (without questions of its own), and `team_count` teams of two with complete drafts."""
    from incubator.accounts.models import Organisation, User
    from incubator.applications.models import Application, FinancialYear, Team as TeamRow, TeamMember
    from incubator.challenges.models import Challenge, Track
    from incubator.extensions import db

    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")  # sign-in checks the stored method
    now = datetime.now(timezone.utc)
    org = Organisation(name="Rush Schools", slug=f"rush-{int(now.timestamp())}", timezone="America/Chicago")
    challenge = Challenge(organisation=org, title="Deadline Rush Challenge", slug=f"rush-{int(now.timestamp())}",
                          track=Track.new_school, opens_at=now - timedelta(days=30), closes_at=closes_at)
    db.session.add_all([org, challenge])
    teams = []
    for n in range(team_count):
        lead = User(email=f"lead{n}@rush.example.org", name=f"Lead {n}", password_hash=cheap, email_confirmed_at=now)
        member = User(email=f"member{n}@rush.example.org", name=f"Member {n}", password_hash=cheap,
                      email_confirmed_at=now)
        team = TeamRow(name=f"Rush Team {n}")
        team.members += [TeamMember(user=lead, is_lead=True), TeamMember(user=member)]
        application = Application(
            team=team, challenge=challenge, school_name=f"Rush School {n}", grades="K-5", launch_year=2028,
            target_enrollment=240, neighbourhood="Mid-City", learner_profiles="Profiles.",
            personal_learning_paths="Paths.", competency_based_progression="Progression.",
            flexible_learning_environments="Studios.")
        for year in (1, 2, 3, 4):
            application.financial_years.append(FinancialYear(
                year_number=year, enrollment=60 * year, per_pupil_revenue_cents=1_000_000,
                other_revenue_cents=5_000_000, operating_expenses_cents=80_000_000 * year))
        db.session.add(application)
        teams.append((n, application, lead.email, member.email))
    db.session.commit()
    # 1 team in 10 double-clicks, 1 in 10 has a teammate saving at that moment, 1 in 25 clicks late.
    return [Team(number=n, application_id=a.id, lead=lead, member=member, double_click=n % 10 == 1,
                 teammate_saves=n % 10 == 2, late=n % 25 == 24)
            for n, a, lead, member in teams]


# ---- the processes: gunicorn and the workers ------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(*, database_url: str, redis_url: str, prefix: str, workdir: Path, mail_port: int | None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MAIL_", "RATELIMIT_", "SIGNIN_LIMIT", "REQUEST_START", "PROXY_HOPS"))}
    env.update(
        FLASK_APP="wsgi", INCUBATOR_ENV="development", SECRET_KEY="rush-" + "k" * 40, DATABASE_URL=database_url,
        REDIS_URL=redis_url, RQ_QUEUE_PREFIX=prefix, INCUBATOR_INSTANCE=str(workdir),
        UPLOAD_DIR=str(workdir / "uploads"), PUBLIC_URL="http://127.0.0.1",
        # Every team signs in from 127.0.0.1 within a minute.
        SIGNIN_LIMIT_PER_ADDRESS="100000 per 15 minutes",
        PROXY_HOPS="1", REQUEST_START_HEADER="X-Request-Start",
    )
    if mail_port:
        env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail_port))
    return env


class Processes:
    """gunicorn (-w 4) on a free 127.0.0.1 port and the two workers; `stop()` ends all of them."""

    def __init__(self, env: dict, *, web_workers: int = 4, log: Path | None = None):
        self.env, self.port, self.children = env, free_port(), []
        self.log = open(log, "w") if log else subprocess.DEVNULL
        self.web_workers = web_workers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name, argv):
        child = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                 start_new_session=True)
        self.children.append((name, child))
        return child

    def start_web(self) -> None:
        self._spawn("web server", [sys.executable, "-m", "gunicorn", "-w", str(self.web_workers),
                                   "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "wsgi:app"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.children[-1][1].poll() is not None:
                raise RuntimeError("gunicorn stopped; see its log")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def start_workers(self) -> None:
        flask = [sys.executable, "-m", "flask", "worker"]
        self._spawn("worker", flask)  # every queue, mail first
        self._spawn("pdf worker", flask + ["--queue", "pdf"])

    def stop(self) -> None:
        from incubator.core.cli import stop_child

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, len(self.children))) as pool:  # each gets its grace at once
            list(pool.map(lambda named: stop_child(named[1], named[0]), self.children))
        self.children.clear()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


# ---- the people -------------------------------------------------------------------------------


class _Fields(HTMLParser):
    """The fields of the first form with a `version` or `csrf_token` field, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "file", "button"):
                self.fields[name] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea, self.fields[name] = name, ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict:
    parser = _Fields()
    parser.feed(html)
    return parser.fields


class Person:
    def __init__(self, base: str, email: str):
        self.base, self.email, self.http = base, email, requests.Session()

    def sign_in(self) -> None:
        token = form_fields(self.http.get(self.base + "/login", timeout=60).text)["csrf_token"]
        response = self.http.post(self.base + "/login", data={"csrf_token": token, "email": self.email,
                                                              "password": PASSWORD},
                                  allow_redirects=False, timeout=60)
        if response.status_code != 302:
            raise RuntimeError(f"{self.email} could not sign in ({response.status_code})")

    def form(self, path: str) -> dict:
        return form_fields(self.http.get(self.base + path, timeout=60).text)

    def post(self, path: str, data: dict, *, sent_at: float) -> "Answer":
        started = time.perf_counter()
        try:
            response = self.http.post(self.base + path, data=data, allow_redirects=False, timeout=120,
                                      headers={"X-Request-Start": f"t={sent_at:.6f}"})
            status, location = response.status_code, response.headers.get("Location", "")
        except requests.RequestException as error:
            status, location = 599, str(error)
        return Answer(path=path, status=status, location=location, sent_at=sent_at,
                      seconds=time.perf_counter() - started)


@dataclass
class Answer:
    path: str
    status: int
    location: str
    sent_at: float
    seconds: float


@dataclass
class Burst:
    answers: dict = field(default_factory=dict)  # (team number, "submit" | "again" | "save") -> Answer
    started_at: float = 0.0
    seconds: float = 0.0


def prepare(base: str, teams: list[Team]) -> dict:
    """Sign everyone in and open the pages they will send (in parallel, before the burst)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(team):
        lead, member = Person(base, team.lead), Person(base, team.member)
        lead.sign_in()
        submit_form = lead.form(f"/applications/{team.application_id}/submit")
        edit_form = None
        if team.teammate_saves:
            member.sign_in()
            edit_form = member.form(f"/applications/{team.application_id}/edit")
            edit_form["grades"] = "K-8"  # the teammate's change
        return team.number, (lead, member, submit_form, edit_form)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, teams))


def burst(teams: list[Team], people: dict, *, fire_at: float, late_at: float) -> Burst:
    """Every on-time team's requests go out at `fire_at` (a double-click's second 80 ms later),
    the late teams' at `late_at`; returns every answer."""
    result, lock = Burst(), threading.Lock()
    threads = []

    def send(key, person, path, data, at):
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        answer = person.post(path, data, sent_at=time.time())
        with lock:
            result.answers[key] = answer

    for team in teams:
        lead, member, submit_form, edit_form = people[team.number]
        at = late_at if team.late else fire_at
        path = f"/applications/{team.application_id}/submit"
        threads.append(threading.Thread(target=send, args=((team.number, "submit"), lead, path, submit_form, at)))
        if team.double_click:
            threads.append(threading.Thread(target=send, args=((team.number, "again"), lead, path, submit_form,
                                                               at + 0.08)))
        if team.teammate_saves:
            threads.append(threading.Thread(target=send, args=(
                (team.number, "save"), member, f"/applications/{team.application_id}/edit", edit_form, at)))
    for thread in threads:
        thread.start()
    result.started_at = fire_at
    for thread in threads:
        thread.join()
    result.seconds = max(a.sent_at + a.seconds for a in result.answers.values()) - fire_at
    return result


def submit_times(result: Burst) -> list[float]:
    return sorted(a.seconds for (n, kind), a in result.answers.items() if kind in ("submit", "again"))


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, int(fraction * len(values)))] if values else 0.0


def wait_for_pdfs(application_ids: list[int], pdf_dir: Path, timeout: float) -> tuple[float, float] | None:
    """Wall-clock times (epoch seconds) when the first and the last PDF of these applications were
    on disk, or None if not all of them were within `timeout`."""
    from incubator.applications.models import Application
    from incubator.extensions import db

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        db.session.rollback()
        paths = [pdf_dir / path if path else None for path, in db.session.execute(
            sa.select(Application.pdf_path).where(Application.id.in_(application_ids)))]
        if all(path is not None and path.exists() for path in paths):
            written = [path.stat().st_mtime for path in paths]  # each file is written once, atomically
            return min(written), max(written)
        time.sleep(0.25)
    return None


def wait_for_mail(count: int, sent, timeout: float) -> bool:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if sent() >= count:
            return True
        time.sleep(0.25)
    return False


def summary(result: Burst, pdfs: tuple[float, float] | None) -> list[str]:
    """The figures: the burst, the submits' p50/p95, and when the first and last PDF were ready."""
    times = submit_times(result)
    return [f"burst: {len(result.answers)} requests sent at once, the last answered {result.seconds:.1f} s later",
            f"submits (incl. double-clicks): p50 {statistics.median(times):.2f} s, p95 {percentile(times, 0.95):.2f} s, "
            f"max {times[-1]:.2f} s" if times else "submits: none",
            (f"PDFs: the first ready {pdfs[0] - result.started_at:.1f} s after the burst went out, "
             f"the last {pdfs[1] - result.started_at:.1f} s after") if pdfs else "PDFs: not all ready within the wait"]
