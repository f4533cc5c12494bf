"""Two-factor sign-in in a real browser (2fa area): someone sets it up from their profile by
typing the key into an app, saves the recovery codes, and signs in with a code; on a phone's
width, with the QR code drawn inline under the CSP, every page accessible."""
import pyotp
import sqlalchemy as sa
from playwright.sync_api import expect

from incubator.accounts.models import User
from incubator.extensions import db
from tests.browser.conftest import assert_fits_the_width
from tests.conftest import PASSWORD


def test_someone_sets_up_two_factor_sign_in_and_signs_in_with_a_code(page, sign_in, applicant):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, applicant)
    page.goto("/account")
    page.get_by_role("link", name="Two-factor sign-in: off").click()
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    assert_fits_the_width(page)
    secret = page.locator("code.totp-secret").inner_text().replace(" ", "")  # typed into the app by hand

    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_fits_the_width(page)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("Two-factor sign-in is on since")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(applicant.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    assert_fits_the_width(page)
    db.session.execute(sa.update(User).where(User.id == applicant.id).values(totp_last_step=None))
    db.session.commit()  # the code typed at setup may be this step's: as if 30 seconds had passed
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
