"""The PDF copy of a submitted application (reportlab). Pure rendering: no database writes.

Text is drawn in DejaVu Sans when the font is installed (it covers most scripts a team
types in Latin, Greek and Cyrillic), else in reportlab's built-in Helvetica, which
covers Latin-1 only. Either way a character the font cannot draw becomes "?" rather
than a black box or an error.
"""
import functools
import re
import unicodedata
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from incubator.applications.editing import CORE_LABELS, answer_text
from incubator.applications.forms import core_fields
from incubator.challenges.models import QuestionKind
from incubator.core.filesize import format_size
from incubator.core.money import format_cents
from incubator.core.timeutil import format_local

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PAGE = letter
MARGIN = 0.9 * inch
FOOTER_SIZE = 8
_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {0x7F: None}
_CP1252 = "cp1252"  # what reportlab's standard fonts (WinAnsiEncoding) can draw


class Fonts:
    """The font family in use, and what it can draw."""

    def __init__(self, regular: str, bold: str, italic: str, covered=None):
        self.regular, self.bold, self.italic = regular, bold, italic
        self._covered = covered  # set of code points, or None for the standard fonts

    def can_draw(self, char: str) -> bool:
        if self._covered is not None:
            return ord(char) in self._covered
        try:
            char.encode(_CP1252)
        except UnicodeEncodeError:
            return False
        return True


HELVETICA = Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


@functools.cache
def fonts() -> Fonts:
    """DejaVu Sans if installed (registered once per process), else Helvetica."""
    for folder in FONT_DIRS:
        files = {style: folder / f"DejaVuSans{suffix}.ttf"
                 for style, suffix in (("regular", ""), ("bold", "-Bold"), ("italic", "-Oblique"))}
        if not all(path.is_file() for path in files.values()):
            continue
        try:
            faces = {style: TTFont(f"DejaVuSans{'' if style == 'regular' else '-' + style}", str(path))
                     for style, path in files.items()}
        except Exception:  # an unreadable font file: the built-in font still works  # noqa: BLE001
            continue
        for face in faces.values():
            pdfmetrics.registerFont(face)
        pdfmetrics.registerFontFamily("DejaVuSans", normal=faces["regular"].fontName, bold=faces["bold"].fontName,
                                      italic=faces["italic"].fontName, boldItalic=faces["bold"].fontName)
        covered = set(faces["regular"].face.charToGlyph) & set(faces["bold"].face.charToGlyph)
        return Fonts(faces["regular"].fontName, faces["bold"].fontName, faces["italic"].fontName, covered)
    return HELVETICA


def drawable(value, font: Fonts) -> str:
    """The text with control characters dropped and what the font cannot draw made "?".

    An accented letter the font lacks is drawn without its accent where that exists.
    """
    text = ("" if value is None else str(value)).replace("\r\n", "\n").translate(_CONTROL)
    if all(font.can_draw(char) for char in text):
        return text
    out = []
    for char in text:
        if char == "\n" or font.can_draw(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and base != char and all(font.can_draw(c) for c in base) else "?")
    return "".join(out)


@functools.cache
def styles(font: Fonts) -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    body = ParagraphStyle("Body", parent=sample["BodyText"], fontName=font.regular, fontSize=10, leading=13,
                          spaceAfter=6)
    return {
        "title": ParagraphStyle("Title", parent=sample["Title"], fontName=font.bold, fontSize=18, leading=22),
        "heading": ParagraphStyle("Heading", parent=sample["Heading2"], fontName=font.bold, fontSize=13,
                                  leading=16, spaceBefore=12, spaceAfter=6, keepWithNext=1),
        "question": ParagraphStyle("Question", parent=body, fontName=font.bold, spaceAfter=2, keepWithNext=1),
        "body": body,
        "cell": ParagraphStyle("Cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "money": ParagraphStyle("Money", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0, alignment=TA_RIGHT),
    }


class _Renderer:
    def __init__(self, application):
        self.application = application
        self.challenge = application.challenge
        self.font = fonts()
        self.style = styles(self.font)

    def clean(self, value) -> str:
        return escape(drawable(value, self.font))

    def para(self, value, style="body", *, empty="(not answered)") -> Paragraph:
        """A paragraph of what a person typed: escaped for reportlab's mini-markup, line breaks kept."""
        text = self.clean(value).replace("\n", "<br/>")
        if not text.strip():
            return Paragraph(f"<i>{escape(empty)}</i>", self.style[style])
        return Paragraph(text, self.style[style])

    def answer(self, value, *, empty="(not answered)") -> list[Paragraph]:
        """A long answer as one paragraph per block of text, so that its heading can stay with
        the first block and the rest flows on over pages (no half-empty page before it)."""
        blocks = [b for b in re.split(r"\n[ \t]*\n", drawable(value, self.font)) if b.strip()]
        return [self.para(block) for block in blocks] or [self.para("", empty=empty)]

    def markup(self, text: str, style="body") -> Paragraph:
        """A paragraph of our own markup (its parts already cleaned)."""
        return Paragraph(text, self.style[style])

    def story(self, width: float) -> list:
        application, challenge = self.application, self.challenge
        story = [
            self.para(application.school_name or "Untitled school", "title", empty="Untitled school"),
            self.markup(f"Application of <b>{self.clean(application.team.name)}</b> "
                        f"to <b>{self.clean(challenge.title)}</b>"),
            self.markup(f"Status: {self.clean(application.status.label)}"
                        + (f", submitted {self.clean(self.submitted())}" if application.submitted_at else "")),
            self.markup("Team: " + self.clean(", ".join(m.user.display_name for m in application.team.members))),
        ]
        self.heading(story, "The school")
        for key in core_fields(challenge):  # the track's own school facts
            story.append(self.para(CORE_LABELS[key], "question"))
            story.extend(self.answer(getattr(application, key)))
        answers = {a.question_id: a for a in application.answers}
        attachments = sorted(application.attachments, key=lambda a: (a.uploaded_at is None, a.uploaded_at, a.id or 0))
        files: dict[int | None, list] = {}
        for attachment in attachments:
            files.setdefault(attachment.question_id, []).append(attachment)
        questions = sorted(challenge.questions, key=lambda q: (q.position, q.id or 0))
        if questions:
            self.heading(story, "Questions")
        labels = {}
        for question in questions:
            labels[question.id] = question.label
            story.append(self.para(question.label, "question"))
            if question.kind == QuestionKind.file:
                uploaded = files.get(question.id, [])
                if uploaded:
                    story.extend(self.markup(f"&bull; {self.file_line(a)}") for a in uploaded)
                else:
                    story.append(self.para("", empty="(no file uploaded)"))
            else:
                story.extend(self.answer(answer_text(answers.get(question.id), question.kind)))
        self.heading(story, "Four-year financial plan")
        story.append(self.plan_table(width))
        self.heading(story, "Attachments")
        if attachments:
            for attachment in attachments:
                where = labels.get(attachment.question_id)
                story.append(self.markup(f"&bull; {self.file_line(attachment)}"
                                         + (f" &mdash; for <i>{self.clean(where)}</i>" if where else "")))
        else:
            story.append(self.para("", empty="No files were uploaded."))
        return story

    def heading(self, story: list, title: str) -> None:
        story.append(self.para(title, "heading"))

    def file_line(self, attachment) -> str:
        return f"{self.clean(attachment.original_filename)} ({format_size(attachment.size_bytes)})"

    def submitted(self) -> str:
        return format_local(self.application.submitted_at, self.challenge.timezone)

    def plan_table(self, width: float) -> Table:
        """The plan fitted to the frame: a label column and four year columns, money right-aligned."""
        years = {y.year_number: y for y in self.application.financial_years}
        lines = [
            ("Enrollment", lambda y: f"{y.enrollment:,}"),
            ("Public per-pupil revenue", lambda y: format_cents(y.per_pupil_revenue_cents)),
            ("Public revenue", lambda y: format_cents(y.public_revenue_cents)),
            ("Other revenue", lambda y: format_cents(y.other_revenue_cents)),
            ("Operating expenses", lambda y: format_cents(y.operating_expenses_cents)),
            ("Covered by public revenue", lambda y: "\u2014" if y.coverage is None else f"{y.coverage:.0%}"),
        ]
        cells = [[label] + [cell(years[n]) if n in years else "" for n in (1, 2, 3, 4)] for label, cell in lines]
        label_width = round(width * 0.32, 1)
        year_width = (width - label_width) / 4
        padding = 4
        # An amount too long for its column gets a smaller type size rather than sticking out.
        size = self.style["money"].fontSize
        widest = max(pdfmetrics.stringWidth(text, self.font.regular, size) for row in cells for text in row[1:])
        if widest > year_width - 2 * padding:
            size = max(5.0, size * (year_width - 2 * padding) / widest)
        money = ParagraphStyle("PlanMoney", parent=self.style["money"], fontSize=size, leading=size * 1.25)
        header = [self.markup("", "cell")] + [self.markup(f"<b>Year {n}</b>", "money") for n in (1, 2, 3, 4)]
        rows = [header] + [[self.para(row[0], "cell", empty="")] + [Paragraph(escape(text), money) for text in row[1:]]
                           for row in cells]
        table = Table(rows, colWidths=[label_width] + [year_width] * 4, hAlign="LEFT", repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ]))
        return table

    def footer_parts(self) -> tuple[str, str]:
        school = drawable(self.application.school_name or "Untitled school", self.font)
        when = drawable(f"Submitted {self.submitted()}" if self.application.submitted_at else "Not submitted",
                        self.font)
        return school, when


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis to fit `width` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _numbered_canvas(school: str, when: str, font: str):
    """A canvas that holds its pages until the end, so each footer can say "Page N of M"."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width, _ = self._pagesize
            y = MARGIN / 2
            page = f"Page {number} of {total}"
            right = pdfmetrics.stringWidth(page, font, FOOTER_SIZE)
            middle = pdfmetrics.stringWidth(when, font, FOOTER_SIZE)
            self.saveState()
            self.setStrokeColor(colors.lightgrey)
            self.setLineWidth(0.5)
            self.line(MARGIN, y + FOOTER_SIZE + 3, width - MARGIN, y + FOOTER_SIZE + 3)
            self.setFont(font, FOOTER_SIZE)
            self.setFillColor(colors.dimgrey)
            # The school name gets the room the date and page number leave free.
            room = (width - middle) / 2 - MARGIN - 12
            self.drawString(MARGIN, y, _fit(school, font, FOOTER_SIZE, room))
            self.drawCentredString(width / 2, y, when)
            self.drawString(width - MARGIN - right, y, page)
            self.restoreState()

    return NumberedCanvas


def render_application(application, *, compress: bool = True) -> bytes:
    """The whole application as a PDF document, with a footer on every page."""
    renderer = _Renderer(application)
    buffer = BytesIO()
    title = drawable(f"{application.school_name or 'Application'} - {application.challenge.title}", renderer.font)
    doc = BaseDocTemplate(buffer, pagesize=PAGE, pageCompression=1 if compress else 0, invariant=1,
                          leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                          title=title, author=drawable(application.team.name, renderer.font))
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    school, when = renderer.footer_parts()
    doc.build(renderer.story(doc.width), canvasmaker=_numbered_canvas(school, when, renderer.font.regular))
    return buffer.getvalue()
