"""Sustainability in a real browser: finance adds a school and names its reporter, the reporter
fills in year 1 and submits it, finance returns it with a comment, the reporter fixes and
resubmits, finance verifies; the school page shows the ratings and the coverage chart, the
portfolio shows the school, and the portfolio PDF is made by its job and downloads; on a phone too."""
import re

from playwright.sync_api import expect

from incubator.extensions import db
from incubator.incubation.models import School
from incubator.sustainability.models import AnnualReport
from incubator.sustainability.states import ReportStatus
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width

FIGURES = {
    "Budgeted enrollment": "200", "Actual enrollment (October count)": "190",
    "Public revenue: state and local": "1,500,000", "Public revenue: federal": "200,000.00",
    "Philanthropic revenue": "400,000", "Other revenue": "10,000", "Operating expenses": "2,000,000",
    "Total expenses": "2,100,000", "Unrestricted cash": "300,000", "Current assets": "500,000",
    "Current liabilities": "300,000",
}


def _context(browser, live_server, sign_in, who, width=None):
    options = {"viewport": {"width": width, "height": 844}} if width else {}
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, who)
    return context, page


def test_a_school_from_its_first_report_to_the_portfolio_pdf(page, browser, live_server, inbox, sign_in, make_user,
                                                            org, finance):
    rita = make_user("rita@example.org", name="Rita Reporter")

    # Finance adds the school (opened in 2024: year 1 is 2024-25) and names Rita to report for it.
    sign_in(page, finance)
    page.goto(f"/sustainability/portfolio/{org.id}")
    page.get_by_role("link", name="Add a school").first.click()
    page.get_by_label("School name").fill("Bayou Community School")
    page.get_by_label("Grades served").fill("K-5")
    page.get_by_label("Opening year").fill("2024")
    page.get_by_role("button", name="Add the school").click()
    page.get_by_label("Email of the person who will report").fill("rita@example.org")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Rita Reporter").first).to_be_visible()
    school = db.session.scalar(db.select(School).where(School.name == "Bayou Community School"))
    assert school is not None and school.planned_opening_year == 2024

    # Rita fills in year 1 and submits it.
    rita_context, rita_page = _context(browser, live_server, sign_in, rita)
    rita_page.goto(f"/sustainability/schools/{school.id}/years/1/report")
    for label, value in FIGURES.items():
        rita_page.get_by_label(label, exact=True).fill(value)
    rita_page.get_by_label("Operating expenses", exact=True).fill("")  # forgotten
    rita_page.get_by_role("button", name="Save and submit").click()
    expect(rita_page.get_by_text("Required to submit.").first).to_be_visible()
    rita_page.get_by_label("Operating expenses", exact=True).fill("2,000,000")
    rita_page.get_by_role("button", name="Save and submit").click()
    expect(rita_page.get_by_text("Submitted").first).to_be_visible()
    report = db.session.scalar(db.select(AnnualReport).where(AnnualReport.school_id == school.id))
    assert report.status is ReportStatus.submitted and report.operating_expenses_cents == 2_000_000_00

    # Finance returns it with a comment.
    page.goto(f"/sustainability/reports/{report.id}")
    page.get_by_label("What needs to change?").fill("The federal revenue is missing IDEA: please check line 4.")
    page.get_by_role("button", name="Return with this comment").click()
    expect(page.get_by_text("Returned for changes").first).to_be_visible()

    # Rita reads the comment, fixes the figure and resubmits.
    rita_page.goto(f"/sustainability/schools/{school.id}/years/1/report")
    expect(rita_page.get_by_text("please check line 4").first).to_be_visible()
    rita_page.get_by_label("Public revenue: federal", exact=True).fill("250,000")
    rita_page.get_by_role("button", name="Save and submit").click()
    expect(rita_page.get_by_text("Submitted").first).to_be_visible()

    # Finance verifies it.
    page.goto(f"/sustainability/reports/{report.id}")
    page.once("dialog", lambda dialog: dialog.accept())  # "Verifying freezes the figures"
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Verified").first).to_be_visible()
    db.session.expire_all()
    report = db.session.get(AnnualReport, report.id)
    assert report.status is ReportStatus.verified and report.public_federal_cents == 250_000_00

    # The school page: the trajectory, the ratings and the chart (87.5% coverage against 70%).
    page.goto(f"/sustainability/schools/{school.id}")
    expect(page.get_by_text(re.compile(r"Coverage 88% in year 1, glide path 70%")).first).to_be_visible()
    expect(page.get_by_text("Meets standard").first).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()

    # The portfolio shows the school on track; the portfolio PDF is made by its job and downloads.
    page.goto(f"/sustainability/portfolio/{org.id}")
    expect(page.get_by_role("link", name="Bayou Community School").first).to_be_visible()
    expect(page.get_by_text("On track").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Portfolio report")).first.click()
    expect(page.get_by_text(re.compile("being prepared", re.I)).first).to_be_visible()
    inbox.deliver()  # the pdf job (and the mails)
    response = page.request.get(f"/sustainability/portfolio/{org.id}/report.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Rita was told of the return and of the verification.
    inbox.deliver()
    bodies = [inbox.mailbox.body(m) for m in inbox.mailbox.to("rita@example.org")]
    assert any("line 4" in body for body in bodies) and any("verified" in body.lower() for body in bodies)
    rita_context.close()

    # Rita reads her school's page on a phone: nothing scrolls sideways.
    phone_context, phone = _context(browser, live_server, sign_in, rita, width=390)
    phone.goto(f"/sustainability/schools/{school.id}")
    expect(phone.get_by_text("Meets standard").first).to_be_visible()
    assert_fits_the_width(phone)
    phone.goto(f"/sustainability/reports/{report.id}")
    assert_fits_the_width(phone)
    phone_context.close()
