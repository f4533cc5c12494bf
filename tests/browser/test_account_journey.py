"""A newcomer's first visit, in a real browser: register, confirm, sign in, sign out."""
import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_a_newcomer_registers_confirms_signs_in_and_signs_out_leaving_nothing_private(page, live_server, inbox):
    page.goto("/")
    page.get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email", exact=True).fill("nia@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("nia@example.org")).to_be_visible()

    # The confirmation mail goes out through the worker; its link points at this server.
    link = inbox.link("nia@example.org", pattern=r"https?://\S+/confirm/\S+")
    assert link.startswith(live_server.url + "/")
    page.goto(link)
    expect(page.get_by_text("Thank you, your email is confirmed.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_value("nia@example.org")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Welcome, Nia Newcomer.")).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)
    expect(page.get_by_role("link", name="Nia Newcomer")).to_be_visible()
    dashboard_url = page.url

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # Back: the private page is not shown from the cache; the server asks to sign in again.
    page.go_back()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_text("Nia Newcomer")).to_have_count(0)
    assert page.url != dashboard_url


def test_a_wrong_password_keeps_the_newcomer_out(page, live_server, make_user):
    make_user("ari@example.org", name="Ari Applicant")
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("ari@example.org")
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert").first).to_be_visible()
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Ari Applicant")).to_have_count(0)


def test_pages_for_a_signed_in_person_are_never_stored(page, live_server, make_user, sign_in):
    make_user("ari@example.org", name="Ari Applicant")
    sign_in(page, "ari@example.org")
    response = page.goto("/dashboard")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
