"""Accessibility, checked on every page a browser journey visits (axe-core, WCAG 2.1 A and AA).

Every browser context a journey opens is watched: each time one of its pages finishes
loading an HTML document, the document as the person saw it is kept (so a form shown
again after an invalid submit is kept too). After the test, each kept document is
opened again in a fresh page at its own address, with the portal's real stylesheets and
scripts, and axe-core (bundled by ``axe-playwright-python``; nothing is downloaded) checks
it. Any violation fails the test, naming the page, the rule and the elements.

The check runs on a replay rather than in the live page so that it never races the
journey (a click that navigates while axe is still reading the page).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
# A CSRF token differs on every render; two renders that differ only there are one page.
_KEEP_ON_LOAD = """
if (window.top === window) {
  window.addEventListener("load", () => {
    if (window.__a11yKeep) window.__a11yKeep(location.href, document.contentType, "<!DOCTYPE html>" + document.documentElement.outerHTML);
  });
}
"""
_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*|(value=")[^"]*("[^>]*name="csrf_token")')


@dataclass
class Snapshot:
    url: str
    title: str
    html: str


@dataclass
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        where = "; ".join(self.targets[:5])
        return f"{self.url}: [{self.impact}] {self.rule}: {self.help} (at {where})"


@dataclass
class AccessibilityAudit:
    snapshots: list[Snapshot] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    # Watching --------------------------------------------------------------------------
    #
    # The page itself hands over its document when it has loaded (a script the browser adds to
    # every document, outside the page's CSP), so a journey that navigates on at once loses nothing.

    def watch_context(self, context) -> None:
        context.expose_binding("__a11yKeep", lambda source, url, content_type, html: self.keep(url, content_type, html))
        context.add_init_script(_KEEP_ON_LOAD)

    def capture_context(self, context) -> None:
        """Keep what every page of `context` shows now (e.g. after a script changed it)."""
        for page in context.pages:
            try:
                self.keep(page.url, page.evaluate("document.contentType"), page.content())
            except PlaywrightError:
                pass  # closed, or navigating: its document was kept when it loaded

    def keep(self, url: str, content_type: str, html: str) -> None:
        if content_type != "text/html":
            return  # a PDF or another file opened in the tab
        key = hashlib.sha256((url + "\0" + _TOKEN.sub(r"\1\2\3", html)).encode()).hexdigest()
        if key not in self._seen:
            self._seen.add(key)
            self.snapshots.append(Snapshot(url=url, title="", html=html))

    # Checking --------------------------------------------------------------------------

    def check(self, browser, base_url: str) -> list[Violation]:
        """Replay every kept document and return axe's WCAG 2.1 A/AA violations."""
        violations: list[Violation] = []
        if not self.snapshots:
            return violations
        context = browser.new_context(base_url=base_url, locale="en-US", timezone_id="America/Chicago")
        try:
            page = context.new_page()
            for snapshot in self.snapshots:
                violations += check_document(page, snapshot)
        finally:
            context.close()
        return violations


def check_document(page, snapshot: Snapshot) -> list[Violation]:
    """Open `snapshot` at its own address in `page` (stylesheets and scripts load as usual) and run axe."""

    def serve(route):
        if route.request.resource_type == "document" and route.request.url == snapshot.url:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=snapshot.html)
        else:
            route.continue_()

    page.route("**/*", serve)
    try:
        page.goto(snapshot.url, wait_until="load")
        return run_axe(page)
    finally:
        page.unroute("**/*", serve)


def run_axe(page) -> list[Violation]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [
        Violation(url=page.url, rule=item["id"], impact=item.get("impact") or "", help=item["help"],
                  targets=[" ".join(map(str, node["target"])) for node in item["nodes"]])
        for item in results["violations"]
    ]


def report(violations: list[Violation]) -> str:
    """One line per page and rule (a page kept in several states reports a rule once)."""
    lines = dict.fromkeys(str(v) for v in violations)
    return "accessibility violations (WCAG 2.1 A/AA, axe-core):\n" + "\n".join(f"  {line}" for line in lines)
