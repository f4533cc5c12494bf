"""Browser journeys: the real app served over HTTP, driven by Playwright in Debian's Chromium.

Fixtures for your own journeys (see test_account_journey.py for an example):

- ``live_server``: the session ``app`` served on 127.0.0.1 and a free port, in a thread.
  ``live_server.url`` is its base address and ``live_server.url_for("/path")`` an absolute
  one. While a test uses it, PUBLIC_URL points at it, so links in mail open in the browser.
- ``browser``: one headless Chromium for the whole session. Every context opened with
  ``browser.new_context`` during a test (and so every ``page``) is watched by ``a11y``.
- ``a11y``: after the test, every HTML page its contexts loaded is checked with axe-core
  against WCAG 2.1 A/AA (see ``tests/browser/a11y.py``); a violation fails the test. A
  journey gets this for free; nothing to call.
- ``page``: a fresh browser context (no cookies, no cache) and page per test, with
  ``base_url`` set, so ``page.goto("/login")`` works. An uncaught JavaScript error or a
  Content-Security-Policy violation on any page fails the test.
- ``inbox``: runs the queued jobs with a real RQ worker (so mail is delivered to the
  test SMTP server) and reads the mail: ``inbox.link("ari@example.org")``.
- ``sign_in``: ``sign_in(page, user)`` signs a user in through the sign-in form.

Never run ``playwright install``: the journeys use /usr/bin/chromium.
"""
import os
import threading
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.a11y import AccessibilityAudit, report
from tests.conftest import PASSWORD, free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
# expect() waits as long as actions do: on a loaded 2-core machine 5 s (its default) is not always enough.
expect.set_options(timeout=TIMEOUT_MS)


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def url_for(self, path: str) -> str:
        return urljoin(self.url + "/", path.lstrip("/"))


@pytest.fixture(scope="session")
def _live_server_thread(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(app, _live_server_thread):
    """The app over HTTP; PUBLIC_URL points at it for the duration of the test."""
    previous = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = _live_server_thread.url
    try:
        yield _live_server_thread
    finally:
        app.config["PUBLIC_URL"] = previous


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def _chromium(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


class WatchedBrowser:
    """The session's Chromium, with every new context watched by the test's accessibility audit."""

    def __init__(self, browser, audit: AccessibilityAudit):
        self._browser = browser
        self._audit = audit

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)
        self._audit.watch_context(context)
        return WatchedContext(context, self._audit)

    def __getattr__(self, name):
        return getattr(self._browser, name)


class WatchedContext:
    """A browser context that shows the audit its pages once more before it closes."""

    def __init__(self, context, audit: AccessibilityAudit):
        self._context = context
        self._audit = audit

    def close(self, *args, **kwargs):
        self._audit.capture_context(self._context)
        return self._context.close(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._context, name)


@pytest.fixture
def a11y(_chromium, live_server, request):
    """Checks, after the test, every page the test's browser contexts loaded (axe-core, WCAG 2.1 A/AA)."""
    audit = AccessibilityAudit()
    yield audit
    if getattr(request.node, "browser_call_failed", False):
        return  # the journey's own failure says more; the pages it reached are not the whole journey
    violations = audit.check(_chromium, live_server.url)
    assert not violations, report(violations)


@pytest.fixture
def browser(_chromium, a11y):
    return WatchedBrowser(_chromium, a11y)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def page(browser, live_server, request, tmp_path):
    """A fresh context (cookies, cache, storage) per test; fails on JavaScript errors.

    When the test fails, a screenshot and the page's HTML are saved in the test's
    tmp_path (the path is printed with the failure).
    """
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago")
    context.set_default_timeout(TIMEOUT_MS)
    problems = []
    new_page = context.new_page()
    new_page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    new_page.on("console", lambda message: problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text else None)
    try:
        yield new_page
        if getattr(request.node, "browser_call_failed", False):
            try:
                new_page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                (tmp_path / "failure.html").write_text(new_page.content())
                print(f"\nBrowser state at the failure ({new_page.url}): {tmp_path}/failure.png and failure.html")
            except Exception as error:  # the page may be gone; the failure itself matters more
                print(f"\n(no screenshot: {error})")
    finally:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


class Inbox:
    """Mail as a person would get it: queued jobs are run first, then the mailbox is read."""

    def __init__(self, mailbox, run_jobs):
        self.mailbox = mailbox
        self.run_jobs = run_jobs

    def deliver(self):
        """Run every queued job (mail, pdf, ...) with a real RQ worker in burst mode."""
        self.run_jobs()
        return self

    def last(self, address):
        """The last message to `address` (a `email.message.EmailMessage`), after delivery."""
        self.deliver()
        return self.mailbox.last(address)

    def body(self, address) -> str:
        return self.mailbox.body(self.last(address))

    def link(self, address, pattern=r"https?://\S+") -> str:
        """The first link (matching `pattern`) in the last mail to `address`."""
        self.deliver()
        return self.mailbox.link(address, pattern)


@pytest.fixture
def inbox(mailbox, run_jobs):
    return Inbox(mailbox, run_jobs)


@pytest.fixture
def sign_in():
    """`sign_in(page, user_or_email, password=PASSWORD)`: through the form; ends on the landing page.
    A person with two-factor sign-in (finance and admins, from the factories) types the code of
    their test-known secret on the second step too."""

    def do(page, who, password=PASSWORD, *, enrol_first=True):
        """`enrol_first=False`: a finance user or admin without two-factor sign-in stays so
        (to walk through setting it up)."""
        import sqlalchemy as sa

        from incubator.accounts.models import User
        from incubator.extensions import db
        from tests.conftest import enrol, fresh_code, two_factor_required

        email = who if isinstance(who, str) else who.email
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if enrol_first and user is not None and two_factor_required(user) and user.two_factor_enabled_at is None:
            enrol(user)  # a finance user or admin made some other way than by the factories
        page.goto("/login")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if user is not None and user.two_factor_enabled_at is not None and "/login/two-factor" in page.url:
            page.get_by_label("Code from your authenticator app").fill(fresh_code(user))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        return page

    return do


def assert_fits_the_width(page, timeout_ms: int = 5_000) -> None:
    """The page does not scroll sideways (a phone's width): checked once it has loaded and its
    deferred scripts have run, and given a moment to settle, so a layout still being built under
    load does not count, while one that stays too wide fails."""
    page.wait_for_load_state("load")
    try:
        page.wait_for_function("document.documentElement.scrollWidth <= window.innerWidth + 1", timeout=timeout_ms)
    except Exception:
        raise AssertionError(f"horizontal overflow on {page.url}") from None
