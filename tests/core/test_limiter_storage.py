"""Production counts sign-in attempts in Redis: the limiter's storage comes from any Redis URL
the jobs use (a unix socket too), or from RATELIMIT_STORAGE_URI when it is set."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incubator.extensions import limiter_storage_uri

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("url, storage", [
    ("unix:///run/redis/redis.sock", "redis+unix:///run/redis/redis.sock"),
    ("unix:///run/redis/redis.sock?db=2", "redis+unix:///run/redis/redis.sock?db=2"),
    ("redis://cache.internal:6379/0", "redis://cache.internal:6379/0"),
    ("rediss://:secret@cache.internal:6380/1", "rediss://:secret@cache.internal:6380/1"),
])
def test_the_limiter_storage_is_derived_from_any_redis_url(url, storage):
    assert limiter_storage_uri(url) == storage


def _production(tmp_path, redis_url, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "DATABASE_URL", "REDIS_URL"))}
    env.update(INCUBATOR_ENV="production", SECRET_KEY="s" * 48, REDIS_URL=redis_url, FLASK_APP="wsgi",
               DATABASE_URL=f"sqlite:///{tmp_path / 'production.db'}", INCUBATOR_INSTANCE=str(tmp_path), **extra)
    return env


CHECK_STORAGE = ("from incubator import create_app; from incubator.extensions import limiter; "
                 "app = create_app(); print(app.config['RATELIMIT_STORAGE_URI']); "
                 "print('storage answers' if limiter.storage.check() else 'storage does not answer')")


def test_production_starts_and_upgrades_with_a_unix_socket_redis(tmp_path, redis_url):
    if not redis_url.startswith("unix://"):
        redis_url = "unix:///nonexistent/redis.sock"  # TEST_REDIS_URL is TCP: the upgrade still must start
    env = _production(tmp_path, redis_url)
    upgrade = subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "unknown storage scheme" not in upgrade.stderr
    if redis_url.startswith("unix:///nonexistent"):
        return
    check = subprocess.run([sys.executable, "-c", CHECK_STORAGE], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == [redis_url.replace("unix://", "redis+unix://", 1), "storage", "answers"]


def test_ratelimit_storage_uri_wins_over_redis_url(tmp_path):
    env = _production(tmp_path, "unix:///nonexistent/redis.sock", RATELIMIT_STORAGE_URI="memory://")
    check = subprocess.run([sys.executable, "-c", CHECK_STORAGE], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stderr
    assert check.stdout.split() == ["memory://", "storage", "answers"]
