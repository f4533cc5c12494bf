"""Fixtures of the Stripe-compatible test server (tests/stripe_server.py). Import them into a
conftest (no pytest_plugins needed):

    from tests.grants.stripe_fixtures import stripe_server, stripe_app, stripe_gateway  # noqa: F401

- `stripe_server`: a fresh server on 127.0.0.1 (a free port) for one test, stopped after it.
- `stripe_app`: the session's app pointed at that server for one test (STRIPE_SECRET_KEY,
  STRIPE_API_BASE, STRIPE_WEBHOOK_SECRET set, so `gateway.gateway()` is the Stripe gateway),
  with the SDK's retry sleeps made a few milliseconds; yields the server.
- `stripe_gateway`: a `StripeGateway` talking to that server (yields the gateway; the server is
  `stripe_gateway.server`).
"""
import pytest

from tests.stripe_server import SECRET_KEY, WEBHOOK_SECRET, StripeServer, fast_sdk_retries


@pytest.fixture
def stripe_server():
    server = StripeServer().start()
    try:
        with fast_sdk_retries():
            yield server
    finally:
        server.stop()


@pytest.fixture
def stripe_app(app, stripe_server, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", stripe_server.url)
    yield stripe_server


@pytest.fixture
def stripe_gateway(stripe_app, app):
    from incubator.grants.stripe_gateway import StripeGateway

    gateway = StripeGateway.from_config(app.config)
    gateway.server = stripe_app
    yield gateway
