"""The accessibility check itself: it sees every page a journey loads and fails on a violation."""
from tests.browser.a11y import AccessibilityAudit

UNLABELLED = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Search</h1><form><input type="text" name="q"><button>Go</button></form></main></body></html>"""


def test_the_check_catches_an_unlabelled_input(_chromium, live_server):
    audit = AccessibilityAudit()
    context = _chromium.new_context(base_url=live_server.url)
    audit.watch_context(context)
    page = context.new_page()
    page.route("**/probe", lambda route: route.fulfill(status=200, content_type="text/html", body=UNLABELLED))
    page.goto("/probe")
    audit.capture_context(context)
    context.close()

    violations = audit.check(_chromium, live_server.url)

    assert [v.rule for v in violations] == ["label"]
    assert violations[0].url.endswith("/probe") and "input" in violations[0].targets[0]


def test_the_portal_pages_pass_and_a_form_shown_again_with_errors_is_checked_too(page, a11y, make_user):
    make_user("ari@example.org")
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("ari@example.org")
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    a11y.capture_context(page.context)

    assert len(a11y.snapshots) == 2, [s.url for s in a11y.snapshots]  # the form, then the form with its error
    assert a11y.check(page.context.browser, page.url.split("/login")[0]) == []
