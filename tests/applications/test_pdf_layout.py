"""The PDF copy as a reader sees it: a plan table that fits the page, uploaded files
listed, a footer on every page, Yes/No answers, and text in any script without a crash.

PDFs are rendered uncompressed (and invariant) so the drawn text can be read from the bytes.
"""
import re
import secrets
from datetime import datetime, timezone

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfbase.pdfmetrics import stringWidth

from incubator.applications import pdf
from incubator.applications.models import Attachment
from incubator.applications.pdf import render_application
from incubator.challenges.models import QuestionKind
from incubator.extensions import db

from .conftest import question


def drawn(content: bytes) -> bytes:
    """The text drawn on the pages, in order (uncompressed PDF; standard or ASCII-readable fonts)."""
    text = b"".join(re.findall(rb"\((.*?)\) Tj", content))
    return text.replace(b"\\(", b"(").replace(b"\\)", b")")


def pages(content: bytes) -> list[bytes]:
    """Each page's content stream, in order (the streams that draw text and are not font files)."""
    return [s for s in re.findall(rb"stream\r?\n(.*?)endstream", content, re.S) if b" Tj" in s]


def submit(application, when=datetime(2026, 3, 2, 3, 30, tzinfo=timezone.utc)):
    from incubator.applications.states import Status

    application.status, application.submitted_at = Status.submitted, when
    db.session.commit()
    return application


@pytest.fixture(params=["dejavu", "helvetica"])
def font(request, monkeypatch):
    """Every test runs with DejaVu Sans (when installed) and with the built-in fallback."""
    if request.param == "helvetica":
        monkeypatch.setattr(pdf, "fonts", lambda: pdf.HELVETICA)
    return request.param


def test_the_plan_table_fits_inside_the_text_frame(complete_application, monkeypatch, font):
    built = []
    real_table = pdf._Renderer.plan_table

    def spy(self, width):
        table = real_table(self, width)
        built.append((table, width))
        return table

    monkeypatch.setattr(pdf._Renderer, "plan_table", spy)
    render_application(complete_application, compress=False)
    (table, width), = built
    assert sum(table._colWidths) <= width + 0.01
    assert width <= letter[0] - 2 * pdf.MARGIN + 0.01
    assert table.hAlign == "LEFT"
    assert table._width <= width + 0.01  # as laid out, not only as asked


def test_huge_amounts_shrink_instead_of_sticking_out(complete_application, monkeypatch, font):
    for row in complete_application.financial_years:
        row.operating_expenses_cents = 9_000_000_000_000_000
    db.session.commit()
    built = []
    real_table = pdf._Renderer.plan_table
    monkeypatch.setattr(pdf._Renderer, "plan_table", lambda self, width: built.append(real_table(self, width)) or built[-1])
    render_application(complete_application, compress=False)
    table = built[0]
    assert sum(table._colWidths) <= letter[0] - 2 * pdf.MARGIN + 0.01
    amounts = [cell[0] if isinstance(cell, tuple) else cell for row in table._cellvalues[1:] for cell in row[1:]]
    assert any(p.text == "$90,000,000,000,000" for p in amounts)
    for paragraph in amounts:  # each amount fits its column, inside the cell padding, on one line
        style = paragraph.style
        assert stringWidth(paragraph.text, style.fontName, style.fontSize) <= table._colWidths[1] - 8


def test_the_plan_shows_money_right_aligned_and_coverage_as_a_percentage(complete_application, font):
    content = render_application(complete_application, compress=False)
    text = drawn(content)
    # Year 1: 60 pupils x $10,000 = $600,000 of $800,000 expenses.
    assert b"$600,000" in text and b"$800,000" in text
    assert b"Covered by public revenue" in text
    assert b"75%" in text
    # Right-aligned: every amount, like the "Year n" heading above it, ends at its column's right padding.
    faces = pdf.fonts()
    year_width = (letter[0] - 2 * pdf.MARGIN) * 0.68 / 4
    # (reportlab writes the offset before the font with DejaVu, after it with Helvetica)
    placed = re.findall(rb"Tm (?:([\d.]+) 0 Td )?/\S+ ([\d.]+) Tf [\d.]+ TL (?:([\d.]+) 0 Td )?"
                        rb"\((\$?[\d,]+|\d+%|Year \d)\) Tj", content[content.index(b"(Four-year financial plan)"):])
    assert len(placed) == 4 + 4 * 6
    for before, size, after, shown in placed:
        face = faces.bold if shown.startswith(b"Year") else faces.regular
        right = float(before or after) + stringWidth(shown.decode(), face, float(size))
        assert right == pytest.approx(year_width - 8, abs=0.5), shown


def test_a_plan_year_without_expenses_shows_a_dash_not_a_crash(complete_application, font):
    complete_application.financial_years[0].operating_expenses_cents = 0
    db.session.commit()
    content = render_application(complete_application, compress=False)
    assert b"Four-year financial plan" in drawn(content)


def test_a_file_question_lists_the_uploaded_file_with_its_size(complete_application, font):
    content = render_application(complete_application, compress=False)
    text = drawn(content)
    budget = text.index(b"Budget workbook")
    assert b"budget.xlsx (10 bytes)" in text[budget:]
    after_question = text[budget:budget + 200]
    assert b"not answered" not in after_question and b"no file uploaded" not in after_question


def test_every_upload_is_listed_under_attachments(complete_application, font):
    complete_application.attachments.append(Attachment(
        question_id=None, original_filename="letters-of-support.pdf", stored_name=secrets.token_hex(20),
        content_type="application/pdf", size_bytes=2_500_000, sha256="1" * 64))
    db.session.commit()
    text = drawn(render_application(complete_application, compress=False))
    section = text[text.index(b"Attachments"):]
    assert b"budget.xlsx (10 bytes)" in section
    assert b"letters-of-support.pdf (2.4 MB)" in section
    assert b"Budget workbook" in section  # which question the budget answers


def test_a_file_question_without_an_upload_says_so(application, font):
    from .conftest import fill_completely

    fill_completely(application, with_file=False)
    text = drawn(render_application(application, compress=False))
    assert b"(no file uploaded)" in text
    assert b"No files were uploaded." in text


def test_the_job_lists_the_uploaded_file_in_the_stored_pdf(app, complete_application, run_jobs):
    from incubator.applications.jobs import pdf_dir, render_application_pdf

    submit(complete_application)
    app.config["PDF_COMPRESSION"] = False
    assert render_application_pdf(complete_application.id) == "made"
    stored = (pdf_dir() / complete_application.pdf_path).read_bytes()
    assert b"budget.xlsx (10 bytes)" in drawn(stored)


def test_every_page_has_a_footer_with_school_submission_date_and_page_number(complete_application, font):
    complete_application.challenge.organisation.timezone = "America/Chicago"
    long_text = next(a for a in complete_application.answers if a.question.kind == QuestionKind.long_text)
    long_text.text_value = "A long answer that wraps across lines and pages. " * 400
    submit(complete_application)  # 03:30 UTC on 2 March is 21:30 on 1 March in Chicago
    content = render_application(complete_application, compress=False)
    streams = [s for s in pages(content) if b"Page " in s]
    total = len(streams)
    assert total >= 3
    for number, stream in enumerate(streams, start=1):
        text = drawn(stream)
        assert f"Page {number} of {total}".encode() in text
        assert b"Bayou Community School" in text
        assert b"Submitted 1 Mar 2026, 21:30 CST" in text


def test_yes_no_answers_read_yes_in_the_pdf(complete_application, font):
    text = drawn(render_application(complete_application, compress=False))
    facility = text.index(b"Do you have a facility?")
    assert text[facility:].split(b"Do you have a facility?", 1)[1].startswith(b"Yes")


UNICODE = "Caf\u00e9 \u00d1and\u00fa \u2013 \u201cquotes\u201d"


def test_unicode_text_is_drawn_with_a_font_that_has_it():
    font = pdf.fonts()
    assert pdf.drawable(UNICODE, font) == UNICODE  # DejaVu and Helvetica (WinAnsi) both have these
    assert pdf.drawable(UNICODE, pdf.HELVETICA) == UNICODE


def test_characters_the_font_lacks_become_question_marks_not_boxes():
    assert pdf.drawable("\u5b66\u6821 \U0001f680 \u0141\u00f3d\u017a", pdf.HELVETICA) == "?? ? ?\u00f3dz"
    assert pdf.drawable("tab\tand\x00nul\x1b", pdf.HELVETICA) == "tab\tandnul"


def test_a_school_name_in_any_script_renders(complete_application, font):
    complete_application.school_name = UNICODE + " \u5b66\u6821 \U0001f680 \u0416\u0438\u0437\u043d\u044c"
    complete_application.team.name = "\U0001f680 Team"
    db.session.commit()
    content = render_application(complete_application, compress=False)
    assert content.startswith(b"%PDF-")
    if font == "helvetica":
        assert b"Caf\\351 \\321and\\372 \\226 \\223quotes\\224" in drawn(content)
    elif pdf.fonts() is not pdf.HELVETICA:
        assert b"DejaVuSans" in content


def test_a_very_long_school_name_is_cut_in_the_footer(complete_application, font):
    complete_application.school_name = "Long " * 39
    submit(complete_application)
    content = render_application(complete_application, compress=False)
    footer = drawn(pages(content)[0])
    assert b"Page 1 of" in footer
    assert b"Long " * 39 not in footer.split(b"Page 1 of")[0][-400:]


def test_a_long_answer_starts_under_its_heading_instead_of_on_a_new_page(complete_application, font):
    complete_application.learner_profiles = "\n\n".join(
        f"Paragraph {n}: advisors and families review each learner's profile every six weeks." for n in range(40))
    complete_application.target_enrollment = 0
    db.session.commit()
    first_page = drawn(pages(render_application(complete_application, compress=False))[0])
    assert b"Learner profiles" in first_page and b"Paragraph 0:" in first_page
    assert b"Paragraph 39:" not in first_page  # the rest flows on to the next page
    enrollment = first_page.split(b"Target enrollment", 1)[1]
    assert enrollment.startswith(b"0")  # zero is an answer, not "(not answered)"
