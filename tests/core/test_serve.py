"""`flask serve` starts, besides the web server and the worker for every queue, a worker for the
pdf queue alone (so PDFs do not wait behind all the mail at a deadline), and stops them all."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _workers(serve: subprocess.Popen) -> list[list[str]]:
    found = []
    for child in psutil.Process(serve.pid).children():  # its own children, not their work horses
        try:
            line = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "worker" in line and "flask" in line:
            found.append(line[line.index("worker"):])
    return found


def test_flask_serve_starts_a_worker_for_pdfs_besides_the_one_for_every_queue(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "INCUBATOR_ENV")}
    env.update(FLASK_APP="wsgi", INCUBATOR_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
               UPLOAD_DIR=str(tmp_path / "uploads"))
    serve = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and serve.poll() is None:  # the workers start before the web server
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        assert sorted(_workers(serve)) == [["worker"], ["worker", "--queue", "pdf"]]
        family = [p.pid for p in psutil.Process(serve.pid).children(recursive=True)]
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    assert "Stopped: web server, workers and Redis." in output, output
    assert not [pid for pid in family if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
