"""When a request reached the portal, which is what a deadline is checked against.

Under a burst a request can wait seconds for a worker; a click made before the deadline
must still count. The WSGI middleware stamps each request as early as the portal sees it.
Behind a front proxy (`PROXY_HOPS`) that queues requests itself, `REQUEST_START_HEADER`
names the header in which the proxy writes when it received the request, e.g. nginx's
`proxy_set_header X-Request-Start "t=${msec}";`. Without that setting the header is ignored:
a client could write anything in it.
"""
import time
from datetime import datetime, timezone

from flask import current_app, request

ENVIRON_KEY = "incubator.received_at"
# A proxy's stamp older than this (or later than our own) is not believed: a misconfigured or
# skewed proxy clock must not let a late submission through.
MAX_PROXY_QUEUE_SECONDS = 300


def clock() -> float:
    return time.time()


class StampArrival:
    """WSGI middleware, outermost: records the moment the request reached this process."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ.setdefault(ENVIRON_KEY, clock())
        return self.wsgi_app(environ, start_response)


def parse_request_start(value: str | None) -> float | None:
    """Epoch seconds from `t=1764632398.123` (seconds), or milli- or microseconds; None if unreadable."""
    if not value:
        return None
    text = value.strip().removeprefix("t=").strip()
    if not text or len(text) > 32 or not text.replace(".", "", 1).isdigit():
        return None
    number = float(text)
    if number > 1e14:  # microseconds
        number /= 1_000_000
    elif number > 1e11:  # milliseconds
        number /= 1000
    return number


def received_at() -> datetime:
    """The moment the current request reached the portal (UTC)."""
    stamp = request.environ.get(ENVIRON_KEY)
    if not isinstance(stamp, float):
        stamp = clock()
    header = current_app.config.get("REQUEST_START_HEADER")
    if header and current_app.config.get("PROXY_HOPS"):
        proxy = parse_request_start(request.headers.get(header))
        if proxy is not None and stamp - MAX_PROXY_QUEUE_SECONDS <= proxy <= stamp:
            stamp = proxy
    return datetime.fromtimestamp(stamp, timezone.utc)
